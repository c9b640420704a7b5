"""The dialect of a connection, from its WSDL, and requests and replies written and read in it."""

from unittest import mock

import pytest
from lxml import etree

import kayako
from helpdesk.soap import codec
from kayako import wire

from .fake_servers import RPC_WSDL, WSDL, envelope

XSI_TYPE = f"{{{wire.XSI}}}type"
ARRAY_TYPE = f"{{{wire.SOAP_ENC}}}arrayType"
SUBMITTED = envelope('<ns1:submitTicketResponse xmlns:ns1="urn:kayako:integrationapi"><return>'
                     "<item><key>id</key><value>7</value></item><item><key>mask</key><value>ABC-1</value></item>"
                     "</return></ns1:submitTicketResponse>")


def request_parts(raw: bytes) -> dict[str, etree._Element]:
    body = etree.fromstring(raw).find(f"{{{wire.SOAP_ENV}}}Body")
    return {child.tag: child for child in body[0]}


def test_each_peer_is_spoken_in_the_dialect_its_wsdl_declares(each_peer):
    kayako.ping()
    expected = "document/literal" if each_peer.peer == "embedded" else "rpc/encoded"
    assert wire.connection().dialect == expected


@pytest.mark.django_db
def test_rpc_requests_are_written_as_php_soapclient_writes_them(fake):
    server = fake(body=SUBMITTED, wsdl=RPC_WSDL)
    submitted = kayako.submit_ticket(
        email="a@example.com", department_id=2, priority_id=3, full_name="Ana", subject="S <&>",
        message="Line one\r\nLine two",
        attachments=[kayako.NewAttachment("a.txt", "text/plain", "http://portal/a"),
                     kayako.NewAttachment("b.png", "image/png", "http://portal/b")],
        send_auto=False, customs={5: ["Web", "Mobile"]},
    )
    assert (submitted.id, submitted.mask) == (7, "ABC-1")
    parts = request_parts(server.requests[-1])
    assert list(parts) == ["user", "password", "email", "departmentId", "priorityId", "fullName", "subject",
                           "message", "attachments", "sendAuto", "passType", "pass", "customs"]
    # every value typed, so that a server that ignores its WSDL (NuSOAP) still reads ints and booleans
    assert (parts["departmentId"].get(XSI_TYPE), parts["departmentId"].text) == ("xsd:int", "2")
    assert (parts["sendAuto"].get(XSI_TYPE), parts["sendAuto"].text) == ("xsd:boolean", "false")
    assert (parts["subject"].text, parts["message"].text) == ("S <&>", "Line one\r\nLine two")
    # an optional string the rpc part requires is sent, empty
    assert (parts["pass"].get(XSI_TYPE), parts["pass"].text) == ("xsd:string", None)
    attachments = parts["attachments"]
    assert attachments.get(XSI_TYPE) == "SOAP-ENC:Array" and attachments.get(ARRAY_TYPE).endswith(":Attachment[2]")
    assert [item.tag for item in attachments] == ["item", "item"]
    assert [(f.tag, f.get(XSI_TYPE), f.text) for f in attachments[1]] == [
        ("name", "xsd:string", "b.png"), ("type", "xsd:string", "image/png"), ("url", "xsd:string", "http://portal/b")]
    custom = parts["customs"][0]
    assert [(f.tag, f.get(XSI_TYPE), f.text) for f in custom] == [("id", "xsd:int", "5"), ("value", "xsd:string", "Web\nMobile")]


@pytest.mark.django_db
def test_empty_lists_are_valid_in_both_dialects(fake):
    rpc = fake(body=envelope('<ns1:postTicketReplyResponse xmlns:ns1="urn:kayako:integrationapi">'
                             '<return xsi:type="xsd:boolean">true</return></ns1:postTicketReplyResponse>'),
               wsdl=RPC_WSDL)
    assert kayako.post_ticket_reply(email="a@example.com", ticket_id=1, reply="x") is True
    empty = request_parts(rpc.requests[-1])["attachments"]
    assert len(empty) == 0 and empty.get(ARRAY_TYPE).endswith(":Attachment[0]")
    literal = fake(body=envelope('<ns1:postTicketReplyResponse xmlns:ns1="urn:KayakoIntegrationAPI">'
                                 "<ns1:return>true</ns1:return></ns1:postTicketReplyResponse>"))
    wire.reset()
    assert kayako.post_ticket_reply(email="a@example.com", ticket_id=1, reply="x") is True
    body = request_parts(literal.requests[-1])
    assert len(body["{urn:KayakoIntegrationAPI}attachments"]) == 0


@pytest.mark.django_db
def test_the_soap_encoding_schema_comes_from_the_local_copy_whatever_the_wsdl_names(fake):
    with_location = RPC_WSDL.replace(
        b'<xsd:import namespace="http://schemas.xmlsoap.org/soap/encoding/"/>',
        b'<xsd:import namespace="http://schemas.xmlsoap.org/soap/encoding/" '
        b'schemaLocation="http://schemas.xmlsoap.org/soap/encoding/"/>')
    assert with_location != RPC_WSDL
    fake(body=SUBMITTED, wsdl=with_location)
    assert wire.connection().dialect == "rpc/encoded"


@pytest.mark.django_db
def test_every_other_external_schema_stays_refused(fake):
    elsewhere = RPC_WSDL.replace(
        b'<xsd:import namespace="http://schemas.xmlsoap.org/wsdl/"/>',
        b'<xsd:import namespace="urn:other" schemaLocation="http://schemas.example.org/other.xsd"/>')
    assert elsewhere != RPC_WSDL
    fake(body=SUBMITTED, wsdl=elsewhere)
    with pytest.raises(kayako.ProtocolError) as refused:
        kayako.ping()
    assert "ExternalReferenceForbidden" in str(refused.value)


def php_serialized(value: str, charset: str) -> bytes:
    return f's:{len(value.encode(charset))}:"{value}";'.encode(charset)


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["utf-8", "iso-8859-1"])
def test_a_serialized_ticket_is_read_in_the_charset_the_reply_declares(fake, charset):
    subject = "Grüße aus Köln, ça va"
    serialized = (b'a:3:{s:2:"id";i:9;s:4:"mask";s:5:"X-009";s:7:"subject";' + php_serialized(subject, charset) + b"}")
    reply = envelope('<ns1:getSubmittedTicketResponse xmlns:ns1="urn:kayako:integrationapi">'
                     '<return xsi:type="xsd:string">SERIALIZED</return></ns1:getSubmittedTicketResponse>')
    body = reply.replace(b'<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{charset}"?>'.encode()).replace(
        b"SERIALIZED", serialized.replace(b'"', b"&quot;"))
    fake(body=body, content_type=f"text/xml; charset={charset}", wsdl=RPC_WSDL)
    assert kayako.get_submitted_ticket(email="a@example.com", ticket_id=9).subject == subject


@pytest.mark.django_db
def test_a_cr_written_raw_by_the_server_stays_a_cr(fake):
    """NuSOAP writes CR inside text raw; XML would read it as LF and break serialize()'s counts."""
    message = "Line one\r\nLine two"
    serialized = (b'a:2:{s:2:"id";i:9;s:5:"posts";a:1:{i:0;a:2:{s:2:"id";i:1;s:8:"contents";'
                  + php_serialized(message, "utf-8") + b"}}}")
    fake(body=envelope('<ns1:getSubmittedTicketResponse xmlns:ns1="urn:kayako:integrationapi">\r\n'
                       '<return xsi:type="xsd:string">SERIALIZED</return></ns1:getSubmittedTicketResponse>')
         .replace(b"SERIALIZED", serialized.replace(b'"', b"&quot;")), wsdl=RPC_WSDL)
    assert kayako.get_submitted_ticket(email="a@example.com", ticket_id=9).posts[0].contents == message


def test_booleans_and_numbers_arrive_typed_at_a_server_that_ignores_its_wsdl(each_peer):
    """NuSOAP decodes by xsi:type only: an untyped "false" would sort ascending, and the peers
    refuse arguments of the wrong PHP type outright."""
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    newest_first = kayako.get_submitted_tickets(email="demo@example.com", num_per_page=30, order_asc=False)
    oldest_first = kayako.get_submitted_tickets(email="demo@example.com", num_per_page=30, order_asc=True)
    assert len(newest_first) == 30 and list(newest_first) == list(reversed(oldest_first))
    assert newest_first[0].last_activity >= newest_first[-1].last_activity


# --- document/literal requests: the wire's writer against zeep's ---------------------------------

TRICKY_TEXTS = ("", "S <&> \"quoted\" 'apostrophe' ]]>", "Line one\r\nLine two\tTab", "Grüße, 東京, 😀")


def sample(element: wire.LiteralElement, variant: int):
    """A value for every shape the writer knows, different in each variant: strings XML must escape,
    empty and multi-item lists, both booleans, a nil where the WSDL allows one."""
    if element.scalar == "string":
        return None if element.nillable and variant == 1 else TRICKY_TEXTS[variant % len(TRICKY_TEXTS)]
    if element.scalar == "int":
        return (0, -5, 2**31 - 1, 42)[variant % 4]
    if element.scalar == "boolean":
        return variant % 2 == 0
    if element.item is not None:
        return [sample(element.item, variant + shift) for shift in range(variant % 3)]
    return {name: sample(field, variant) for name, field in element.fields}


def zeep_envelope(link: wire.Connection, operation: str, params: dict) -> bytes:
    """zeep's own writing of the request: the reference."""
    spec = link.operations[operation]
    wrapped = {name: {spec.list_wrappers[name]: list(value)} if name in spec.list_wrappers else value
               for name, value in params.items()}
    return etree.tostring(link.client.create_message(link.service, operation, **wrapped),
                          encoding="utf-8", xml_declaration=True)


@pytest.mark.django_db
@pytest.mark.parametrize("variant", range(4))
def test_document_literal_requests_are_written_byte_for_byte_as_zeep_writes_them(fake, variant):
    fake()
    link = wire.connection()
    assert link.dialect == "document/literal"
    for operation, spec in link.operations.items():
        assert spec.literal is not None, operation  # every operation of the helpdesk's WSDL has plain shapes
        params = {name: sample(element, variant + position) for position, (name, element) in enumerate(spec.literal.fields)}
        with mock.patch.object(link.client, "create_message", side_effect=AssertionError("written by zeep")):
            written = link.envelope(operation, params)
        assert written == zeep_envelope(link, operation, params), operation
        # and it is what the helpdesk reads: every parameter back, as given
        call = codec.parse_request(written)
        assert (call.operation, call.style) == (operation, codec.DOCUMENT)
        assert call.params == params, operation


@pytest.mark.django_db
def test_values_of_other_types_are_left_to_zeep(fake):
    fake()
    link = wire.connection()
    params = {"user": "u", "password": "p", "email": "a@example.com", "ticketId": "7"}  # a string for an int
    with mock.patch.object(link.client, "create_message", wraps=link.client.create_message) as zeep_writer:
        written = link.envelope("getSubmittedTicket", params)
    assert zeep_writer.called and written == zeep_envelope(link, "getSubmittedTicket", params)
    assert request_parts(written)["{urn:KayakoIntegrationAPI}ticketId"].text == "7"
    with pytest.raises(kayako.ProtocolError):  # a parameter the WSDL does not have: refused as before
        link.envelope("getSubmittedTicket", {**params, "ticketId": 7, "extra": 1})


@pytest.mark.django_db
def test_an_operation_of_other_shapes_is_written_by_zeep(fake):
    """A WSDL type the writer does not know (here xsd:long) leaves that operation to zeep."""
    fake(wsdl=WSDL.replace(b'<xsd:element name="articleId" type="xsd:int"/>', b'<xsd:element name="articleId" type="xsd:long"/>'))
    link = wire.connection()
    assert link.operations["getKnowledgeBaseArticle"].literal is None
    assert link.operations["getKnowledgeBaseCategories"].literal is not None
    params = {"user": "u", "password": "p", "articleId": 12}
    with mock.patch.object(link.client, "create_message", wraps=link.client.create_message) as zeep_writer:
        written = link.envelope("getKnowledgeBaseArticle", params)
    assert zeep_writer.called and written == zeep_envelope(link, "getKnowledgeBaseArticle", params)


@pytest.mark.django_db
def test_a_wsdl_of_unqualified_elements_is_written_by_zeep(fake):
    fake(wsdl=WSDL.replace(b'elementFormDefault="qualified"', b'elementFormDefault="unqualified"'))
    link = wire.connection()
    assert all(spec.literal is None for spec in link.operations.values())
    params = {"user": "u", "password": "p", "email": "a@example.com", "ticketId": 7}
    written = link.envelope("getSubmittedTicket", params)
    assert written == zeep_envelope(link, "getSubmittedTicket", params)
    assert "ticketId" in request_parts(written)  # no namespace: as the WSDL says
