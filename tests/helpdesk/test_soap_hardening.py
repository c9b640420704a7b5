"""Hostile and broken requests, in both styles (document/literal and rpc/encoded): each is a SOAP
fault or a 4xx, nothing is fetched, and the API password appears in no log line."""

import logging

import pytest
import requests
from django.conf import settings
from lxml import etree

from helpdesk.models import Department, Priority, Ticket

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
TNS = "urn:KayakoIntegrationAPI"
XML_DECLARATION = '<?xml version="1.0"?>'


def envelope(operation: str, params: str) -> str:
    """document/literal, as zeep writes it from ?wsdl."""
    return (
        f'{XML_DECLARATION}<soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:k="{TNS}">'
        f"<soap:Body><k:{operation}>{params}</k:{operation}></soap:Body></soap:Envelope>"
    )


def credentials(password: str | None = None) -> str:
    return f"<k:user>{settings.HELPDESK_API_USERNAME}</k:user><k:password>{password or settings.HELPDESK_API_PASSWORD}</k:password>"


def rpc_envelope(operation: str, params: str, namespace: str = TNS) -> str:
    """rpc/encoded, as PHP's SoapClient writes it (in WSDL mode from ?wsdl=rpc, and in non-WSDL mode)."""
    return (
        f'{XML_DECLARATION}<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" xmlns:ns1="{namespace}" '
        f'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="{XSI}" xmlns:SOAP-ENC="{SOAP_ENC}" '
        f'xmlns:ns2="http://xml.apache.org/xml-soap" SOAP-ENV:encodingStyle="{SOAP_ENC}">'
        f"<SOAP-ENV:Body><ns1:{operation}>{params}</ns1:{operation}></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )


def rpc_credentials(password: str | None = None) -> str:
    return (
        f'<user xsi:type="xsd:string">{settings.HELPDESK_API_USERNAME}</user>'
        f'<password xsi:type="xsd:string">{password or settings.HELPDESK_API_PASSWORD}</password>'
    )


def typed(name: str, value, xsd_type: str = "string") -> str:
    """An rpc accessor with its xsi:type, as PHP writes it."""
    return f'<{name} xsi:type="xsd:{xsd_type}">{value}</{name}>'


STYLES = {
    "document": (envelope, credentials, lambda text: f"<k:email>{text}</k:email>"),
    "rpc": (rpc_envelope, rpc_credentials, lambda text: typed("email", text)),
}


def post(server, body, **headers):
    data = body.encode() if isinstance(body, str) else body
    return requests.post(
        f"{server.url}/integrationapi/index.php", data=data, timeout=10,
        headers={"Content-Type": "text/xml; charset=utf-8", **headers},
    )


def fault_of(response) -> tuple[str, str, str | None]:
    root = etree.fromstring(response.content)
    fault = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None, response.text[:500]
    return fault.findtext("faultcode"), fault.findtext("faultstring"), fault.findtext("detail")


@pytest.fixture
def no_password_in_logs(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    password = settings.HELPDESK_API_PASSWORD
    leaked = [r.getMessage() for r in caplog.records if password in r.getMessage() or "s3cr3t-guess" in r.getMessage()]
    assert not leaked


@pytest.mark.parametrize("style", STYLES)
def test_xxe_is_refused_and_nothing_is_read(demo, no_password_in_logs, style):
    wrap, auth, email = STYLES[style]
    body = (
        '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        + wrap("getTotalSubmittedTickets", auth() + email("&xxe;")).removeprefix(XML_DECLARATION)
    )
    response = post(demo, body)
    assert response.status_code == 500
    code, message, _ = fault_of(response)
    assert code.endswith("Client") and "DTD" in message
    assert "root:" not in response.text


@pytest.mark.parametrize("style", STYLES)
def test_billion_laughs_is_refused(demo, no_password_in_logs, style):
    wrap, auth, email = STYLES[style]
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    body = f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]>' + wrap(
        "getTotalSubmittedTickets", auth() + email("&lol9;")).removeprefix(XML_DECLARATION)
    response = post(demo, body)
    assert fault_of(response)[0].endswith("Client")
    assert len(response.content) < 2000


@pytest.mark.parametrize("style", STYLES)
def test_deep_nesting_is_a_fault(demo, no_password_in_logs, style):
    wrap, auth, email = STYLES[style]
    depth = 50_000
    body = wrap("getTotalSubmittedTickets", auth() + email("<a>" * depth + "</a>" * depth))
    response = post(demo, body)
    assert response.status_code == 500
    assert fault_of(response)[0].endswith("Client")


@pytest.mark.parametrize("style", STYLES)
def test_a_12_mb_body_is_refused_with_413(demo, no_password_in_logs, style):
    wrap, auth, email = STYLES[style]
    body = wrap("getTotalSubmittedTickets", auth() + email("a" * (12 * 1024 * 1024)))
    response = post(demo, body)
    assert response.status_code == 413
    assert "too large" in fault_of(response)[1]


@pytest.mark.parametrize("query", ["?wsdl", "?wsdl=rpc"])
def test_wsdl_address_ignores_a_poisoned_host_header(demo, query):
    response = requests.get(
        f"{demo.url}/integrationapi/index.php{query}", headers={"Host": "evil.example.com"}, timeout=10
    )
    assert response.status_code == 200
    locations = etree.fromstring(response.content).xpath(
        "//soap:address/@location", namespaces={"soap": "http://schemas.xmlsoap.org/wsdl/soap/"}
    )
    assert locations == [f"{settings.HELPDESK_PUBLIC_URL}/integrationapi/index.php"]
    assert "evil" not in response.text


@pytest.mark.parametrize(
    "body,expected",
    [
        ("<not-closed>", "not well-formed"),
        ("just text", "not well-formed"),
        ('<?xml version="1.0"?><root/>', "not a SOAP 1.1 envelope"),
        (envelope("dropAllTables", ""), "Unknown operation"),
        (envelope("getTotalSubmittedTickets", credentials()), "Missing parameter 'email'"),
        (envelope("getKnowledgeBaseArticle", credentials() + "<k:articleId>seven</k:articleId>"), "must be an integer"),
        (envelope("getKnowledgeBaseArticle", credentials() + "<k:articleId>99999999999</k:articleId>"),
         "must be an integer"),
        (envelope("rateKnowledgeBaseArticle", credentials() + "<k:articleId>1</k:articleId><k:rateType>maybe</k:rateType>"),
         "must be a boolean"),
        (envelope("getTotalSubmittedTickets", credentials()
                  + '<k:email xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>'), "must not be nil"),
        (envelope("getTotalSubmittedTickets", credentials() + "<k:email>a@b.c</k:email><k:extra>1</k:extra>"),
         "Unexpected element"),
        (envelope("getDepartmentList", "<k:user>x</k:user>"), "Missing parameter 'password'"),
    ],
)
def test_bad_requests_are_client_faults(demo, no_password_in_logs, body, expected):
    response = post(demo, body)
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/xml")
    code, message, _ = fault_of(response)
    assert code.endswith("Client")
    assert expected in message


@pytest.mark.parametrize("style", STYLES)
def test_wrong_password_is_minus_1_and_never_logged(demo, no_password_in_logs, style):
    wrap, auth, _ = STYLES[style]
    response = post(demo, wrap("getDepartmentList", auth(password="s3cr3t-guess")))
    assert response.status_code == 500
    assert fault_of(response)[1:] == ("Kayako API Error", "-1")


@pytest.mark.parametrize("style", STYLES)
def test_a_good_call_logs_no_password(demo, no_password_in_logs, caplog, style):
    wrap, auth, _ = STYLES[style]
    response = post(demo, wrap("getDepartmentList", auth()))
    assert response.status_code == 200
    assert any("getDepartmentList ok" in r.getMessage() and r.getMessage().endswith(style) for r in caplog.records)


def test_get_without_wsdl_and_other_methods_are_faults(demo):
    for method in ("get", "put", "delete"):
        response = requests.request(method, f"{demo.url}/integrationapi/index.php", timeout=10)
        assert response.status_code == 405
        assert fault_of(response)[0].endswith("Client")


# --- rpc/encoded ---------------------------------------------------------------------------


def test_unknown_wsdl_is_a_fault_naming_the_choices(demo):
    response = requests.get(f"{demo.url}/integrationapi/index.php?wsdl=soap12", timeout=10)
    assert response.status_code == 404
    assert "?wsdl=rpc" in fault_of(response)[1]


def _attachment(name: str = "a.txt", attributes: str = "") -> str:
    return (f'<item xsi:type="ns1:NewAttachment"{attributes}>{typed("name", name)}{typed("type", "text/plain")}'
            f'{typed("url", "http://127.0.0.1:1/a.txt")}</item>')


@pytest.mark.parametrize(
    "params,expected",
    [
        (typed("param0", "x") + typed("password", "y"), "all named or all positional"),
        (typed("param0", "x") + typed("param1", "y") + typed("param2", "z"), "'param2' in getDepartmentList: it takes 2"),
        (typed("param0", "x") + typed("param0", "y"), "Repeated parameter 'user'"),
        (typed("param0", "x"), "Missing parameter 'password'"),
        (typed("user", "x") + typed("password", "y") + typed("extra", "z"), "Unexpected element 'extra'"),
        ('<user xsi:nil="true"/>' + typed("password", "y"), "must not be nil"),
        ('<user><b>x</b></user>' + typed("password", "y"), "must be a simple value"),
        ('<user SOAP-ENC:arrayType="xsd:string[0]" xsi:type="SOAP-ENC:Array"/>' + typed("password", "y"),
         "must be a simple value"),
        ('<user href="#nowhere"/>' + typed("password", "y"), "Unresolved reference"),
        ('<user href="#r1"/><password id="r1" xsi:type="xsd:string"><b id="r1"/></password>', "Duplicate id 'r1'"),
    ],
)
def test_bad_rpc_calls_are_client_faults(demo, no_password_in_logs, params, expected):
    response = post(demo, rpc_envelope("getDepartmentList", params))
    assert response.status_code == 500
    code, message, _ = fault_of(response)
    assert code.endswith("Client")
    assert expected in message


EMPTY_CUSTOMS = '<customs SOAP-ENC:arrayType="ns1:CustomValue[0]" xsi:type="ns1:CustomValueArray"/>'


def _submit(attachments: str, customs: str = EMPTY_CUSTOMS, department: int = 1, priority: int = 1, **overrides) -> str:
    """submitTicket as PHP's SoapClient writes it from ?wsdl=rpc; an override of "" leaves the accessor out."""
    values = {
        "email": typed("email", "rpc@example.com"), "departmentId": typed("departmentId", department, "int"),
        "priorityId": typed("priorityId", priority, "int"), "fullName": typed("fullName", "Rpc"),
        "subject": typed("subject", "Subject"), "message": typed("message", "Message"), "attachments": attachments,
        "sendAuto": typed("sendAuto", "false", "boolean"), "passType": typed("passType", 0, "int"),
        "pass": '<pass xsi:nil="true"/>', "customs": customs, **overrides,
    }
    return rpc_envelope("submitTicket", rpc_credentials() + "".join(values.values()))


@pytest.mark.parametrize(
    "body,expected",
    [
        (rpc_envelope("getKnowledgeBaseArticle", rpc_credentials() + typed("articleId", 2**31, "int")), "must be an integer"),
        (rpc_envelope("getKnowledgeBaseArticle", rpc_credentials() + typed("articleId", "seven")), "must be an integer"),
        (rpc_envelope("rateKnowledgeBaseArticle", rpc_credentials() + typed("articleId", 1, "int")
                      + typed("rateType", "maybe", "boolean")), "must be a boolean"),
        (rpc_envelope("getTotalSubmittedTickets", rpc_credentials()), "Missing parameter 'email'"),
        (rpc_envelope("dropAllTables", rpc_credentials()), "Unknown operation"),
        (_submit(f'<attachments SOAP-ENC:arrayType="ns1:NewAttachment[2]" xsi:type="ns1:NewAttachmentArray">'
                 f"{_attachment()}</attachments>"), "arrayType declares 2 members but 1 were sent"),
        (_submit(f'<attachments SOAP-ENC:arrayType="ns1:NewAttachment[1,1]" xsi:type="ns1:NewAttachmentArray">'
                 f"{_attachment()}</attachments>"), "one-dimensional"),
        (_submit(f'<attachments SOAP-ENC:arrayType="ns1:NewAttachment[3]" SOAP-ENC:offset="[2]">'
                 f"{_attachment()}</attachments>"), "Partially transmitted arrays"),
        (_submit('<attachments SOAP-ENC:arrayType="ns1:NewAttachment[1]">'
                 + _attachment(attributes=' SOAP-ENC:position="[4]"') + "</attachments>"), "Sparse arrays"),
        (_submit('<attachments SOAP-ENC:arrayType="ns2:Map[1]" xsi:type="SOAP-ENC:Array"><item xsi:type="ns2:Map">'
                 '<item><key>name</key></item></item></attachments>'), "must hold one key and one value"),
        (_submit('<attachments SOAP-ENC:arrayType="ns2:Map[1]" xsi:type="SOAP-ENC:Array"><item xsi:type="ns2:Map">'
                 '<item><key>size</key><value>1</value></item></item></attachments>'), "Unexpected element 'size'"),
    ],
)
def test_bad_rpc_values_are_client_faults(demo, no_password_in_logs, body, expected):
    response = post(demo, body)
    assert response.status_code == 500
    code, message, _ = fault_of(response)
    assert code.endswith("Client")
    assert expected in message


def test_references_within_the_call_are_followed_and_a_left_out_nil_is_nil(demo, file_server):
    # PHP writes an object it sends twice once, with an id, and refers to it the second time.
    file_server.files["/a.txt"] = b"attached once, listed twice"
    attachment = _attachment(attributes=' id="ref1"').replace("http://127.0.0.1:1/a.txt", f"{file_server.url}/a.txt")
    body = _submit(
        f'<attachments SOAP-ENC:arrayType="ns1:NewAttachment[2]" xsi:type="ns1:NewAttachmentArray">{attachment}'
        '<item href="#ref1"/></attachments>',
        department=Department.objects.get(title="Billing").pk, priority=Priority.objects.first().pk, **{"pass": ""},
    )
    response = post(demo, body)
    assert response.status_code == 200, response.text
    ticket = Ticket.objects.get(customer__email="rpc@example.com")
    assert [a.file.read() for a in ticket.attachments.all()] == [b"attached once, listed twice"] * 2
    assert ticket.customer.password.startswith("!")  # no password: pass was nil


DEPARTMENTS = "getDepartmentList"


@pytest.mark.parametrize(
    "style,body",
    [
        ("document", envelope(DEPARTMENTS, credentials())),
        ("rpc", rpc_envelope(DEPARTMENTS, rpc_credentials())),  # PHP's SoapClient
        ("rpc", rpc_envelope(DEPARTMENTS, credentials()).replace("<ns1:getDepartmentList>",  # qualified parts
                                                                  f'<ns1:getDepartmentList xmlns:k="{TNS}">')),
        ("rpc", envelope(DEPARTMENTS, f"<user>{settings.HELPDESK_API_USERNAME}</user>"  # zeep on ?wsdl=rpc
                                      f"<password>{settings.HELPDESK_API_PASSWORD}</password>")),
        ("rpc", rpc_envelope(DEPARTMENTS, rpc_credentials(), namespace="urn:an-original-kayako")),
    ],
)
def test_each_request_is_answered_in_its_own_style(demo, style, body):
    response = post(demo, body)
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    wrapper = root.find(f"{{{SOAP_ENV}}}Body")[0]
    assert wrapper.tag == f"{{{TNS}}}getDepartmentListResponse"
    returned = wrapper[0]
    items = [etree.QName(child).localname for child in returned]
    assert items == ["item"] * 4
    if style == "document":
        assert returned.tag == f"{{{TNS}}}return"
        assert root.get(f"{{{SOAP_ENV}}}encodingStyle") is None
        assert not [node for node in root.iter() if node.get(f"{{{XSI}}}type")]
    else:
        assert returned.tag == "return"
        assert root.get(f"{{{SOAP_ENV}}}encodingStyle") == SOAP_ENC
        assert (returned.get(f"{{{SOAP_ENC}}}arrayType"), returned.get(f"{{{XSI}}}type")) == (
            "ns1:Department[4]", "ns1:DepartmentArray")
        assert returned[0][2].tag == "ispublic"
        assert (returned[0][2].get(f"{{{XSI}}}type"), returned[0][2].text) == ("xsd:boolean", "true")


def test_a_document_call_in_another_namespace_is_unknown(demo):
    response = post(demo, envelope(DEPARTMENTS, credentials()).replace(f'xmlns:k="{TNS}"', 'xmlns:k="urn:other"'))
    assert "Unknown operation" in fault_of(response)[1]


def test_every_value_of_an_rpc_reply_is_typed(demo):
    ticket = Ticket.objects.filter(customvalues__isnull=False, attachments__isnull=False).distinct().first()
    technical = Department.objects.get(title="Technical support").pk
    calls = [
        ("getSubmittedTicket", typed("email", ticket.customer.email) + typed("ticketId", ticket.pk, "int")),
        ("getDepartmentCustomFields", typed("departmentId", technical, "int")),
        ("getKnowledgeBaseCategories", typed("categoryId", 0, "int")),
    ]
    seen = set()
    for operation, params in calls:
        response = post(demo, rpc_envelope(operation, rpc_credentials() + params))
        assert response.status_code == 200, response.text
        returned = etree.fromstring(response.content).find(f"{{{SOAP_ENV}}}Body")[0][0]
        for node in returned.iter():
            if node.get(f"{{{XSI}}}nil") == "true":
                assert len(node) == 0 and node.get(f"{{{XSI}}}type") is None
                seen.add("nil")
                continue
            declared = node.get(f"{{{XSI}}}type")
            assert declared, f"{operation}: <{node.tag}> has no xsi:type"
            array_type = node.get(f"{{{SOAP_ENC}}}arrayType")
            if array_type is not None:
                assert [child.tag for child in node] == ["item"] * len(node)
                assert array_type.endswith(f"[{len(node)}]")
                seen.add("empty array" if len(node) == 0 else "array")
            else:
                seen.add(declared if declared.startswith("xsd:") else "struct")
    assert seen == {"nil", "array", "empty array", "struct", "xsd:int", "xsd:string", "xsd:boolean"}


def test_each_wsdl_is_its_static_file_with_the_configured_address(demo):
    from helpdesk.soap.schema import WSDL_PATHS

    for query, style in (("?wsdl", "document"), ("?wsdl=rpc", "rpc")):
        served = etree.fromstring(requests.get(f"{demo.url}/integrationapi/index.php{query}", timeout=10).content)
        static = etree.parse(str(WSDL_PATHS[style])).getroot()
        for tree in (served, static):
            for address in tree.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address"):
                address.set("location", "-")
        assert etree.tostring(served, method="c14n") == etree.tostring(static, method="c14n")
        binding = served.find("{http://schemas.xmlsoap.org/wsdl/}binding/{http://schemas.xmlsoap.org/wsdl/soap/}binding")
        assert binding.get("style") == style
