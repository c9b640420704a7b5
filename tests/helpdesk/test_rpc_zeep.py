"""A plain zeep client on ?wsdl=rpc: every one of the 19 functions, and the same answers as through ?wsdl."""

import pytest
import requests
import zeep
from django.conf import settings
from zeep.exceptions import Fault
from zeep.helpers import serialize_object
from zeep.transports import Transport

from helpdesk.models import (
    Attachment,
    CustomField,
    Department,
    KnowledgeBaseArticle,
    KnowledgeBaseCategory,
    Priority,
    Status,
    Ticket,
)

from .conftest import Api

SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
# What zeep needs of the SOAP-encoding schema for this WSDL (Array and its arrayType), supplied
# locally: the WSDL imports the namespace without a location, as PHP's WSDLs do.
SOAP_ENC_SCHEMA = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:enc="{SOAP_ENC}"
    targetNamespace="{SOAP_ENC}">
  <xs:attribute name="arrayType" type="xs:string"/>
  <xs:complexType name="Array">
    <xs:sequence><xs:any minOccurs="0" maxOccurs="unbounded" processContents="lax"/></xs:sequence>
    <xs:attribute ref="enc:arrayType"/>
  </xs:complexType>
</xs:schema>""".encode()
DEMO = "demo@example.com"


class LocalSchemas(Transport):
    """The SOAP-encoding schema from memory; the WSDL from the helpdesk; nothing from anywhere else."""

    def __init__(self, helpdesk_url: str):
        super().__init__()
        self.helpdesk_url = helpdesk_url

    def load(self, url):
        if url.rstrip("/") == SOAP_ENC.rstrip("/"):
            return SOAP_ENC_SCHEMA
        assert url.startswith(self.helpdesk_url), f"zeep tried to fetch {url}"
        return super().load(url)


def rpc_client(base_url: str) -> zeep.Client:
    return zeep.Client(f"{base_url}/integrationapi/index.php?wsdl=rpc", transport=LocalSchemas(base_url))


@pytest.fixture
def rpc(demo):
    service = rpc_client(demo.url).service
    auth = {"user": settings.HELPDESK_API_USERNAME, "password": settings.HELPDESK_API_PASSWORD}
    return lambda operation, **params: getattr(service, operation)(**auth, **params)


def plain(value):
    """zeep's answer as plain data; lists the same whichever WSDL (document/literal wraps them in
    {"item": [...]}, and zeep reads an empty one as None there)."""

    def unwrap(data):
        if isinstance(data, dict):
            if list(data) == ["item"]:
                return unwrap(data["item"])
            return {key: unwrap(item) for key, item in data.items()}
        if isinstance(data, list):
            return [unwrap(item) for item in data] or None
        return data

    return unwrap(serialize_object(value, dict))


def test_rpc_wsdl_loads_with_the_encoding_schema_supplied_locally(demo):
    binding = next(iter(rpc_client(demo.url).wsdl.bindings.values()))
    assert type(binding).__name__ == "Soap11Binding"
    operations = binding.all()
    assert len(operations) == 19
    assert {op.style for op in operations.values()} == {"rpc"}
    # zeep's positional order is the reference's
    assert operations["submitTicket"].input.signature() == (
        "user: xsd:string, password: xsd:string, email: xsd:string, departmentId: xsd:int, priorityId: xsd:int, "
        "fullName: xsd:string, subject: xsd:string, message: xsd:string, attachments: ns0:NewAttachmentArray, "
        "sendAuto: xsd:boolean, passType: xsd:int, pass: xsd:string, customs: ns0:CustomValueArray"
    )


def test_read_functions_answer_the_same_through_both_wsdls(demo, rpc):
    document = Api(demo.url)
    ticket = Ticket.objects.filter(customer__email=DEMO, attachments__isnull=False).distinct().first()
    technical = Department.objects.get(title="Technical support").pk
    restrictions = {
        "numPerPage": 10, "page": 1, "sortBy": "priorityid", "orderAsc": True, "minStartDate": -(2**31),
        "maxStartDate": 2**31 - 1, "minLastActivity": -(2**31), "maxLastActivity": 2**31 - 1, "minDueDate": -(2**31),
        "maxDueDate": 2**31 - 1, "specificDepartment": 0, "specificStatus": 0, "specificPriority": 0,
    }
    calls = [
        ("getKnowledgeBaseCategories", {"categoryId": 0}),
        ("getKnowledgeBaseCategories", {"categoryId": KnowledgeBaseCategory.objects.get(title="Installation").pk}),
        ("getKnowledgeBaseArticles", {"categoryId": 0}),
        ("getKnowledgeBaseArticle", {"articleId": KnowledgeBaseArticle.objects.get(
            subject="Resetting a forgotten password").pk}),
        ("getDepartmentList", {}),
        ("getDepartmentCustomFields", {"departmentId": technical}),
        ("getPriorityList", {}),
        ("getStatusList", {}),
        ("getTotalSubmittedTickets", {"email": DEMO}),
        ("getSubmittedTickets", {"email": DEMO, **{k: restrictions[k] for k in ("numPerPage", "page", "sortBy",
                                                                              "orderAsc")}}),
        ("getSubmittedTicketsWithExtraRestrictions", {"email": DEMO, **restrictions}),
        ("getSubmittedTicket", {"email": DEMO, "ticketId": ticket.pk}),
    ]
    for operation, params in calls:
        through_rpc = plain(rpc(operation, **params))
        assert through_rpc == plain(document(operation, **params)), operation
        assert through_rpc not in (None, 0), operation
    billing = Department.objects.get(title="Billing").pk
    assert rpc("getDepartmentCustomFields", departmentId=billing) == []
    attachment = Attachment.objects.filter(ticket=ticket).first()
    info = rpc("getTicketAttachment", email=DEMO, ticketId=ticket.pk, attachmentId=attachment.pk)
    assert (info.name, info.type, info.size) == (attachment.name, attachment.mimetype, attachment.size)
    assert requests.get(info.url, timeout=5).content == attachment.file.open("rb").read()


def test_write_functions_through_rpc(demo, rpc, file_server):
    article = KnowledgeBaseArticle.objects.get(subject="Our support hours")
    assert rpc("rateKnowledgeBaseArticle", articleId=article.pk, rateType=True) is True
    comment = rpc("addKnowledgeBaseArticleComment", articleId=article.pk, posterName="Zeep", comment="Über gut")
    assert article.comments.get(pk=comment).body == "Über gut"

    file_server.files["/notes.txt"] = b"line one\r\nline two"
    technical = Department.objects.get(title="Technical support")
    version = CustomField.objects.get(title="Product version")
    customs = [
        {"id": version.pk, "value": "4.3"}, {"id": CustomField.objects.get(title="Operating system").pk, "value": "Linux"},
        {"id": CustomField.objects.get(title="How often does it happen?").pk, "value": "Once"},
    ]
    submitted = rpc(
        "submitTicket", email="zeep@example.com", departmentId=technical.pk, priorityId=Priority.objects.first().pk,
        fullName="Zeep Client", subject="Sent by zeep", message="rpc/encoded",
        attachments=[{"name": "notes.txt", "type": "text/plain", "url": f"{file_server.url}/notes.txt"}],
        sendAuto=False, passType=0, customs=customs, **{"pass": ""},
    )
    ticket = Ticket.objects.get(pk=submitted.id)
    assert (ticket.mask, ticket.subject, ticket.customer.email) == (submitted.mask, "Sent by zeep", "zeep@example.com")
    assert ticket.attachments.get().file.read() == b"line one\r\nline two"

    assert rpc("postTicketReply", email="zeep@example.com", ticketId=ticket.pk, reply="More", attachments=[]) is True
    assert ticket.posts.last().contents == "More"
    closed = Status.objects.get(title="Closed")
    assert rpc("updateTicketProperties", email="zeep@example.com", ticketId=ticket.pk, newStatus=closed.pk,
               newPriority=0) is True
    assert rpc("setCustomFieldValue", typeid=ticket.pk, customField=version.pk, value="5.0") is True
    ticket.refresh_from_db()
    assert ticket.status_id == closed.pk
    assert ticket.customvalues.get(field=version).value == "5.0"
    assert rpc("updateEmailAddress", oldEmail="zeep@example.com", newEmail="zeep2@example.com") is True
    assert rpc("getTotalSubmittedTickets", email="zeep2@example.com") == 1


def test_faults_through_rpc(demo, rpc):
    with pytest.raises(Fault) as fault:
        rpc("getSubmittedTicket", email=DEMO, ticketId=999_999)
    assert fault.value.message == "Kayako API Error"
    assert "".join(fault.value.detail.itertext()).strip() == "-13"
