"""The embedded helpdesk as a drop-in for the original: PHP's SoapClient (Debian's php-cli and php-soap)
calling it the way code written for the original does, through ?wsdl=rpc and without a WSDL."""

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from lxml import etree

from helpdesk.models import Customer, Department, KnowledgeBaseArticle, Ticket

SCRIPT = Path(__file__).parent / "php" / "conformance.php"
OPERATIONS = [
    "getKnowledgeBaseCategories", "getKnowledgeBaseArticles", "getKnowledgeBaseArticle", "rateKnowledgeBaseArticle",
    "addKnowledgeBaseArticleComment", "getDepartmentList", "getDepartmentCustomFields", "getPriorityList",
    "getStatusList", "getTotalSubmittedTickets", "getSubmittedTicketsWithExtraRestrictions", "getSubmittedTickets",
    "getSubmittedTicket", "submitTicket", "postTicketReply", "updateTicketProperties", "setCustomFieldValue",
    "getTicketAttachment", "updateEmailAddress",
]
# Every error code of API-NOTES.md's table, by function; -1 is checked for every function.
ERROR_CODES = {
    "getKnowledgeBaseCategories": {-20}, "getKnowledgeBaseArticles": {-20}, "getKnowledgeBaseArticle": {-21},
    "rateKnowledgeBaseArticle": {-21}, "addKnowledgeBaseArticleComment": {-21, -11},
    "getDepartmentCustomFields": {-8}, "getTotalSubmittedTickets": {-2, -3},
    "getSubmittedTicketsWithExtraRestrictions": {-2, -3, -4, -5, -6}, "getSubmittedTickets": {-2, -3, -4, -5, -6},
    "getSubmittedTicket": {-2, -13, -14}, "submitTicket": {-2, -7, -8, -9, -10, -22, -23, -24, -25},
    "postTicketReply": {-2, -12, -13, -14, -22}, "updateTicketProperties": {-2, -13, -14, -16, -17, -18},
    "setCustomFieldValue": {-24, -25, -26}, "getTicketAttachment": {-2, -13, -14, -19}, "updateEmailAddress": {-2, -3, -15},
}
ATTACHMENT = bytes(range(256)) * 40 + "Grüße\r\n".encode()


def run_conformance(demo, file_server, mode: str) -> dict:
    assert shutil.which("php"), "php-cli is required (scripts/test installs php-cli and php-soap)"
    other = Customer.objects.create(email="other@example.com", fullname="Other", password="!")
    template = Ticket.objects.filter(customer__email="demo@example.com").first()
    theirs = Ticket.objects.create(
        mask="OTH-000001", customer=other, department_id=template.department_id, status_id=template.status_id,
        priority_id=template.priority_id, subject="Not yours",
    )
    file_server.files["/attachment.bin"] = ATTACHMENT
    config = {
        "url": f"{demo.url}/integrationapi/index.php", "user": settings.HELPDESK_API_USERNAME,
        "password": settings.HELPDESK_API_PASSWORD, "email": "demo@example.com", "other_email": other.email,
        "other_ticket": theirs.pk, "files": file_server.url, "file_sha256": hashlib.sha256(ATTACHMENT).hexdigest(),
    }
    result = subprocess.run(
        ["php", str(SCRIPT), mode, json.dumps(config)], capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.mark.parametrize("mode", ["wsdl", "positional", "named"])
def test_php_soapclient_passes_every_function_and_error_code(demo, file_server, mode):
    out = run_conformance(demo, file_server, mode)
    checks = out["checks"]
    failed = {name: outcome for name, outcome in checks.items() if outcome != "ok"}
    assert not failed
    # Nothing left out: every function succeeds, answers -1 to wrong credentials, and raises each of its codes.
    succeeding = {name.split()[0] for name in checks if " -" not in name}
    assert succeeding >= set(OPERATIONS), set(OPERATIONS) - succeeding
    for operation in OPERATIONS:
        assert f"{operation} -1" in checks
    for operation, codes in ERROR_CODES.items():
        covered = {int(code) for name in checks if name.startswith(f"{operation} -") for code in name.split()[1:]}
        assert codes <= covered, (operation, codes - covered)
    assert len(checks) == 76
    # What var_dump shows: ints, booleans and strings arrive typed, nil as null, lists as arrays.
    assert out["types"] == {
        "getTotalSubmittedTickets": "integer", "rateKnowledgeBaseArticle": "boolean", "department id": "integer",
        "department ispublic": "boolean", "department title": "string", "custom field defaultvalue null": "NULL",
        "ticket list": "array",
    }


def canonical(xml: str) -> bytes:
    return etree.tostring(etree.fromstring(xml.encode()), method="c14n", exclusive=True)


def test_rpc_replies_are_what_phps_soapserver_would_write(demo):
    """Byte for byte after canonicalisation: xsi:type on every value, SOAP-ENC arrays, nil, text."""
    ticket = Ticket.objects.filter(customvalues__isnull=False, attachments__isnull=False).distinct().first()
    attachment = ticket.attachments.first()
    email = ticket.customer.email
    calls = {
        "getKnowledgeBaseCategories": [0],
        "getKnowledgeBaseArticle": [KnowledgeBaseArticle.objects.get(subject="Resetting a forgotten password").pk],
        "getDepartmentList": [],
        "getDepartmentCustomFields": [Department.objects.get(title="Technical support").pk],
        "getStatusList": [],
        "getTotalSubmittedTickets": [email],
        "getSubmittedTickets": [email, 5, 1, "lastactivity", False],
        "getSubmittedTicket": [email, ticket.pk],
        "getTicketAttachment": [email, ticket.pk, attachment.pk],
        "rateKnowledgeBaseArticle": [KnowledgeBaseArticle.objects.first().pk, True],
    }
    request = {"credentials": [settings.HELPDESK_API_USERNAME, settings.HELPDESK_API_PASSWORD], "calls": calls}
    result = subprocess.run(
        ["php", str(SCRIPT.with_name("reencode.php")), f"{demo.url}/integrationapi/index.php"],
        input=json.dumps(request), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    replies = json.loads(result.stdout)
    assert set(replies) == set(calls)
    for operation, reply in replies.items():
        assert "xsi:type" in reply["helpdesk"], operation
        assert canonical(reply["helpdesk"]) == canonical(reply["php"]), operation
