"""What original PHP servers send, recorded, and what kayako makes of it."""

from datetime import UTC, datetime

import pytest

import kayako
from kayako import wire

from .fake_servers import envelope


def php_string(value: str) -> str:
    return f's:{len(value.encode())}:"{value}";'


# getSubmittedTicket from a PHP server: a serialize()'d array; attachments use "mimetype".
SERIALIZED_TICKET = (
    'a:10:{s:2:"id";i:25;s:4:"mask";s:10:"BAR-555555";s:10:"department";i:1;s:6:"status";i:1;'
    's:8:"priority";i:6;s:9:"startdate";i:1214405583;s:12:"lastactivity";i:1214991346;'
    's:7:"subject";' + php_string("Exampl\u00e9") + 's:5:"posts";a:1:{i:0;a:12:{s:2:"id";i:34;s:4:"date";i:1214574104;'
    's:6:"userid";i:4;s:8:"fullname";s:7:"Foo Bar";s:5:"email";s:19:"example@example.com";'
    's:6:"edited";b:0;s:15:"editedbystaffid";i:0;s:10:"editeddate";i:0;s:6:"ishtml";b:0;'
    's:7:"staffid";i:0;s:8:"contents";s:17:"Example Post Body";s:11:"attachments";a:1:{i:0;a:4:{'
    's:2:"id";i:4;s:4:"name";s:11:"example.txt";s:8:"mimetype";s:10:"text/plain";s:4:"size";i:1346;}}}}'
    's:6:"custom";a:1:{i:0;a:4:{s:2:"id";i:1;s:5:"title";s:12:"Test Group 1";s:12:"displayorder";i:1;'
    's:6:"fields";a:1:{i:0;a:4:{s:2:"id";i:5;s:4:"name";s:13:"Checkbox Test";s:4:"type";i:4;'
    's:5:"value";' + php_string("Check Value 5\nCheck Value 4") + "}}}}}"
)

STATUS_LIST_AS_MAP = """
<ns1:getStatusListResponse xmlns:ns1="urn:KayakoIntegrationAPI" xmlns:ns2="http://xml.apache.org/xml-soap">
 <return xsi:type="ns2:Map">
  <item><key xsi:type="xsd:int">3</key><value xsi:type="ns2:Map">
    <item><key>id</key><value>3</value></item><item><key>title</key><value>Closed</value></item>
    <item><key>order</key><value>3</value></item><item><key>ispublic</key><value>true</value></item>
    <item><key>forecolor</key><value>#CF5D60</value></item></value></item>
  <item><key xsi:type="xsd:int">1</key><value xsi:type="ns2:Map">
    <item><key>id</key><value>1</value></item><item><key>title</key><value>Open</value></item>
    <item><key>order</key><value>1</value></item><item><key>ispublic</key><value>1</value></item>
    <item><key>forecolor</key><value>#5C83B4</value></item></value></item>
 </return>
</ns1:getStatusListResponse>"""

DEPARTMENTS_AS_SOAP_ENC_ARRAY = """
<ns1:getDepartmentListResponse xmlns:ns1="urn:KayakoIntegrationAPI" xmlns:ns2="http://xml.apache.org/xml-soap">
 <return SOAP-ENC:arrayType="ns2:Map[1]" xsi:type="SOAP-ENC:Array">
  <item xsi:type="ns2:Map">
   <item><key>id</key><value>1</value></item><item><key>title</key><value>General</value></item>
   <item><key>ispublic</key><value>true</value></item><item><key>isdefault</key><value>true</value></item>
   <item><key>order</key><value>0</value></item>
  </item>
 </return>
</ns1:getDepartmentListResponse>"""


@pytest.fixture
def server(fake):
    """A server whose every reply has this SOAP body."""
    return lambda inner: fake(body=envelope(inner))


def string_reply(operation: str, text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return (f'<ns1:{operation}Response xmlns:ns1="urn:KayakoIntegrationAPI">'
            f"<return>{escaped}</return></ns1:{operation}Response>")


@pytest.mark.django_db
def test_serialized_ticket_string(server):
    server(string_reply("getSubmittedTicket", SERIALIZED_TICKET))
    ticket = kayako.get_submitted_ticket(email="example@example.com", ticket_id=25)
    assert (ticket.id, ticket.mask, ticket.subject) == (25, "BAR-555555", "Exampl\u00e9")
    assert ticket.last_activity == datetime.fromtimestamp(1214991346, tz=UTC)
    post = ticket.posts[0]
    assert (post.full_name, post.is_staff, post.edited, post.edited_date) == ("Foo Bar", False, False, None)
    assert post.attachments[0] == kayako.PostAttachment(4, "example.txt", "text/plain", 1346)
    checkbox = ticket.custom[0].fields[0]
    assert checkbox.values == ["Check Value 5", "Check Value 4"]


@pytest.mark.django_db
@pytest.mark.parametrize("reply", ["false", "", "b:0;"])
def test_false_from_get_submitted_ticket_is_not_found(server, reply):
    server(string_reply("getSubmittedTicket", reply))
    with pytest.raises(kayako.NotFound):
        kayako.get_submitted_ticket(email="example@example.com", ticket_id=25)


@pytest.mark.django_db
def test_a_corrupt_serialized_ticket_is_a_protocol_error(server):
    server(string_reply("getSubmittedTicket", 'a:1:{s:2:"id";i:25'))
    with pytest.raises(kayako.ProtocolError):
        kayako.get_submitted_ticket(email="example@example.com", ticket_id=25)


@pytest.mark.django_db
def test_a_list_keyed_by_id_as_an_apache_map(server):
    server(STATUS_LIST_AS_MAP)
    statuses = kayako.get_status_list()
    assert [(s.id, s.title, s.is_public) for s in statuses] == [(1, "Open", True), (3, "Closed", True)]


@pytest.mark.django_db
def test_a_soap_enc_array_of_maps(server):
    server(DEPARTMENTS_AS_SOAP_ENC_ARRAY)
    assert kayako.get_department_list() == (kayako.Department(1, "General", True, True, 0),)


def test_attachment_type_or_mimetype():
    assert kayako.AttachmentInfo.parse({"size": "5", "name": "a", "mimetype": "image/png", "url": "u"}).mime_type == "image/png"
    assert kayako.AttachmentInfo.parse({"size": 5, "name": "a", "type": "text/plain", "url": "u"}).mime_type == "text/plain"
    assert kayako.PostAttachment.parse({"id": 1, "name": "a", "size": 1}).mime_type == "application/octet-stream"


def test_custom_field_options_sorted_with_preselection():
    definition = kayako.CustomFieldDefinition.parse({
        "id": "8", "title": "Select Multiple Test", "fieldtype": "7", "defaultvalue": None, "description": "",
        "displayorder": 8, "isrequired": "1", "options": "Blah 3\nBlah 2\nBlah 1", "optionorders": "3\n2\n1",
        "optionsselected": "1\n0\n1",
    })
    assert [(o.value, o.selected) for o in definition.options] == [("Blah 1", True), ("Blah 2", False), ("Blah 3", True)]
    assert definition.is_required and definition.is_multi_valued and definition.default_value == ""


def test_php_unserialize_values():
    assert wire.Reply('a:3:{i:0;N;i:1;d:1.5;s:1:"k";b:1;}', "utf-8").unserialized() == {0: None, 1: 1.5, "k": True}
    assert wire.Reply('s:2:"\u00e9";', "utf-8").unserialized() == "\u00e9"
    assert wire.Reply('s:1:"\u00e9";', "iso-8859-1").unserialized() == "\u00e9"
    for refused in ('O:8:"stdClass":0:{}', "i:1;i:2;"):
        with pytest.raises(ValueError):
            wire.Reply(refused, "utf-8").unserialized()
