"""Hostile and broken requests: each is a SOAP fault or a 4xx, nothing is fetched, and the API
password appears in no log line."""

import logging

import pytest
import requests
from django.conf import settings
from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def envelope(operation: str, params: str) -> str:
    return (
        f'<?xml version="1.0"?><soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:k="urn:KayakoIntegrationAPI">'
        f"<soap:Body><k:{operation}>{params}</k:{operation}></soap:Body></soap:Envelope>"
    )


def credentials(password: str | None = None) -> str:
    return f"<k:user>{settings.HELPDESK_API_USERNAME}</k:user><k:password>{password or settings.HELPDESK_API_PASSWORD}</k:password>"


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


def test_xxe_is_refused_and_nothing_is_read(demo, no_password_in_logs):
    body = (
        '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        + envelope("getTotalSubmittedTickets", credentials() + "<k:email>&xxe;</k:email>")[21:]
    )
    response = post(demo, body)
    assert response.status_code == 500
    code, message, _ = fault_of(response)
    assert code.endswith("Client") and "DTD" in message
    assert "root:" not in response.text


def test_billion_laughs_is_refused(demo, no_password_in_logs):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    body = f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]>' + envelope(
        "getTotalSubmittedTickets", credentials() + "<k:email>&lol9;</k:email>")[21:]
    response = post(demo, body)
    assert fault_of(response)[0].endswith("Client")
    assert len(response.content) < 2000


def test_deep_nesting_is_a_fault(demo, no_password_in_logs):
    depth = 50_000
    body = envelope("getTotalSubmittedTickets", credentials() + "<k:email>" + "<a>" * depth + "</a>" * depth + "</k:email>")
    response = post(demo, body)
    assert response.status_code == 500
    assert fault_of(response)[0].endswith("Client")


def test_a_12_mb_body_is_refused_with_413(demo, no_password_in_logs):
    body = envelope("getTotalSubmittedTickets", credentials() + "<k:email>" + "a" * (12 * 1024 * 1024) + "</k:email>")
    response = post(demo, body)
    assert response.status_code == 413
    assert "too large" in fault_of(response)[1]


def test_wsdl_address_ignores_a_poisoned_host_header(demo):
    response = requests.get(
        f"{demo.url}/integrationapi/index.php?wsdl", headers={"Host": "evil.example.com"}, timeout=10
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


def test_wrong_password_is_minus_1_and_never_logged(demo, no_password_in_logs):
    response = post(demo, envelope("getDepartmentList", credentials(password="s3cr3t-guess")))
    assert fault_of(response)[1:] == ("Kayako API Error", "-1")


def test_a_good_call_logs_no_password(demo, no_password_in_logs, caplog):
    response = post(demo, envelope("getDepartmentList", credentials()))
    assert response.status_code == 200
    assert any("getDepartmentList ok" in r.getMessage() for r in caplog.records)


def test_get_without_wsdl_and_other_methods_are_faults(demo):
    for method in ("get", "put", "delete"):
        response = requests.request(method, f"{demo.url}/integrationapi/index.php", timeout=10)
        assert response.status_code == 405
        assert fault_of(response)[0].endswith("Client")
