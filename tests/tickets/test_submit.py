import io
import re

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import kayako
from helpdesk.models import Attachment, CustomField, Department, Priority, Ticket
from tickets import selectors
from tickets.models import OutboxEntry, StagedUpload

from .conftest import DEMO


def ids():
    return {
        "technical": Department.objects.get(title="Technical support").pk,
        "general": Department.objects.get(title="General").pk,
        "billing": Department.objects.get(title="Billing").pk,
        "low": Priority.objects.get(title="Low").pk,
    }


def cf(title: str) -> str:
    return f"cf_{CustomField.objects.get(title=title).pk}"


def technical_data(**extra):
    data = {
        "department": ids()["technical"], "priority": ids()["low"], "subject": "Sync broken", "message": "It fails.",
        cf("Product version"): "4.3", cf("Operating system"): "Linux", cf("How often does it happen?"): "Once",
    }
    data.update(extra)
    return data


def token_of(html: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', html).group(1)


def field_html(html: str, name: str) -> str:
    """The markup of one form field: from its block up to the next field's."""
    assert html.count(f'id="div_id_{name}"') == 1
    return html.split(f'id="div_id_{name}"')[1].split('id="div_id_')[0]


def test_form_has_public_departments_default_preselected_and_its_fields(dana):
    html = dana.get("/tickets/new/").content.decode()
    assert "Internal escalations" not in html and "Critical" not in html
    general = ids()["general"]
    assert f'<option value="{general}" selected>General</option>' in html
    # General has the "Your environment" group only
    assert "Your environment" in html and "Problem details" not in html
    assert 'value="4.2"' in html  # the default value of a text field
    assert 'hx-get="/tickets/new/fields/"' in html and 'hx-get="/kb/suggest/"' in html


def test_fields_fragment_for_a_department_keeps_typed_values(dana):
    html = dana.get("/tickets/new/fields/", {"department": ids()["technical"], cf("Product version"): "9.9"}).content.decode()
    assert "<html" not in html
    legends = [m.strip() for m in re.findall(r"<legend[^>]*>([^<]+)</legend>", html)]
    assert legends.index("Your environment") < legends.index("Problem details")
    assert 'value="9.9"' in html


@pytest.mark.parametrize("title,widget,value,stored", [
    ("Product version", 'type="text"', "4.4", "4.4"),
    ("Steps to reproduce", "<textarea", "Click\nthen crash", "Click\nthen crash"),
    ("Licence key", 'type="password"', "ABCD-1234", "ABCD-1234"),
    ("Affected components", 'type="checkbox"', ["Sync", "Sharing"], "Sync\nSharing"),
    ("How often does it happen?", 'type="radio"', "Every time", "Every time"),
    ("Operating system", "<select", "macOS", "macOS"),
    ("Affected platforms", "multiple", ["Web", "Mobile"], "Web\nMobile"),
])
def test_each_custom_field_type_renders_and_reaches_the_helpdesk(dana, worker, title, widget, value, stored):
    form = dana.get("/tickets/new/", {"department": ids()["technical"]}).content.decode()
    section = field_html(form, cf(title))
    assert f'name="{cf(title)}"' in section and widget in section
    response = dana.post("/tickets/new/", technical_data(**{cf(title): value}))
    assert response.status_code == 302, response.content.decode()[:3000]
    worker()
    ticket = Ticket.objects.latest("id")
    assert ticket.customvalues.get(field__title=title).value == stored


def test_options_in_order_with_preselection(dana):
    html = dana.get("/tickets/new/", {"department": ids()["technical"]}).content.decode()
    platforms = html.split(f'name="{cf("Affected platforms")}"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]+)"', platforms) == ["Web", "Desktop", "Mobile"]
    assert '<option value="Web" selected>' in platforms
    assert re.search(r'value="Sometimes"[^>]*checked', html)


def test_required_custom_fields_are_checked_at_the_field(dana):
    data = technical_data()
    del data[cf("Operating system")]
    response = dana.post("/tickets/new/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in field_html(html, cf("Operating system"))
    assert "This field is required." not in field_html(html, cf("Product version"))
    assert "It fails.</textarea>" in html and 'value="Sync broken"' in html


def test_submit_with_two_attachments(dana, worker):
    files = [SimpleUploadedFile("one.txt", b"first", content_type="text/plain"),
             SimpleUploadedFile("../two.log", b"second", content_type="text/x-log")]
    tickets_before = Ticket.objects.count()
    response = dana.post("/tickets/new/", {**technical_data(), "attachments": files})
    entry = OutboxEntry.objects.get()
    assert response["Location"] == f"/tickets/sent/{entry.reference}/"
    assert Ticket.objects.count() == tickets_before  # stored, not sent: the request never waits on the helpdesk
    staged_files = list(StagedUpload.objects.values_list("path", flat=True))
    assert len(staged_files) == 2 and all(default_storage.exists(path) for path in staged_files)
    worker()
    ticket = Ticket.objects.latest("id")
    shown = dana.get(response["Location"])
    assert shown["Location"] == f"/tickets/{ticket.pk}/"
    assert sorted((a.name, a.file.read()) for a in ticket.attachments.all()) == [
        ("one.txt", b"first"), ("two.log", b"second")]
    assert not StagedUpload.objects.exists() and not any(default_storage.exists(path) for path in staged_files)
    assert ticket.customer.email == DEMO and ticket.posts.get().fullname == "Dana Demo"


def named_file(name: str, content: bytes) -> io.BytesIO:
    """A file the test client sends under any name (SimpleUploadedFile refuses some)."""
    upload = io.BytesIO(content)
    upload.name = name
    return upload


# Names Django's multipart parser drops (it sanitises them to nothing) and one it keeps but that
# leaves nothing to store under.
@pytest.mark.parametrize("name", ["..", "&#46;&#46;", "\u200b\u200b", " . "])
def test_a_file_whose_name_leaves_nothing_is_refused_at_the_field_and_nothing_is_sent(dana, name):
    files = [SimpleUploadedFile(f"part-{n}.txt", b"content", content_type="text/plain") for n in range(9)]
    files.append(named_file(name, b"the tenth"))
    before = Ticket.objects.count()
    response = dana.post("/tickets/new/", {**technical_data(), "attachments": files})
    assert response.status_code == 400  # the form again, with its errors
    assert Ticket.objects.count() == before and not OutboxEntry.objects.exists()
    assert "A file has a name that cannot be used" in field_html(response.content.decode(), "attachments")


def test_ten_files_sent_are_ten_stored(dana, worker):
    files = [SimpleUploadedFile(f"part-{n}.txt", f"content {n}".encode(), content_type="text/plain")
             for n in range(10)]
    dana.post("/tickets/new/", {**technical_data(), "attachments": files})
    worker()
    ticket = Ticket.objects.latest("id")
    assert sorted(a.name for a in ticket.attachments.all()) == sorted(f"part-{n}.txt" for n in range(10))


def test_my_tickets_lists_the_newest_waiting_tickets_and_counts_the_others(dana, monkeypatch):
    monkeypatch.setattr(selectors, "PENDING_SHOWN", 3)
    for number in range(5):  # no worker runs: all five wait in the outbox
        assert dana.post("/tickets/new/", technical_data(subject=f"Waiting {number}")).status_code == 302
    with CaptureQueriesContext(connection) as queries:
        listed = dana.get("/tickets/").content.decode()
    # One query for the rows shown and one to count the rest: none for each row.
    assert sum("outboxentry" in query["sql"] for query in queries.captured_queries) == 2
    # Twice each (the cards and the table): the three newest, not the two oldest.
    assert [listed.count(f"Waiting {number}") for number in range(5)] == [0, 0, 2, 2, 2]
    assert listed.count("And 2 older tickets waiting to be delivered") == 2
    assert re.search(r'href="/tickets/\d+/"', listed)  # the delivered tickets are listed below them


def test_a_submission_reads_the_address_with_the_user_and_writes_the_page_generation_first(dana):
    with CaptureQueriesContext(connection) as queries:
        response = dana.post("/tickets/new/", technical_data(subject="Counted"))
    assert response.status_code == 302
    statements = [query["sql"] for query in queries.captured_queries]
    # the verified primary address comes with the signed-in user (common.auth), not in a query of its own
    addresses = [sql for sql in statements if '"account_emailaddress"' in sql]
    assert len(addresses) == 1 and addresses[0].startswith('SELECT "auth_user"."id"')
    # In the write, the customer's page generation comes before the entry: both statements' Python
    # runs before the first of them takes the writers' turn (portal.sqlite).
    # (Every CULL_CHECK_EVERY-th set of the cache goes Django's way, in statements of its own.)
    entry = next(i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "tickets_outboxentry"'))
    generation = [i for i, sql in enumerate(statements) if ":pagecache:customer:" in sql]
    assert generation and max(generation) < entry
    assert OutboxEntry.objects.get(subject="Counted").reference in response["Location"]


def test_a_double_click_creates_one_ticket(dana, worker):
    token = token_of(dana.get("/tickets/new/").content.decode())
    before = Ticket.objects.count()
    data = {**technical_data(), "form_token": token}
    first = dana.post("/tickets/new/", data)
    second = dana.post("/tickets/new/", data)
    worker()
    assert Ticket.objects.count() == before + 1
    assert second.status_code == 302 and second["Location"] == first["Location"]


def test_sent_while_the_helpdesk_is_down_and_delivered_when_it_is_back(dana, worker, later, monkeypatch):
    def down(**kwargs):
        raise kayako.Unavailable("down")

    monkeypatch.setattr(kayako, "submit_ticket", down)
    before = Ticket.objects.count()
    response = dana.post("/tickets/new/", {**technical_data(message="Long story"),
                                           "attachments": [SimpleUploadedFile("a.txt", b"aaa")]})
    assert response.status_code == 302
    worker()  # the attempt fails: the entry waits for the next one
    entry = OutboxEntry.objects.get()
    assert (entry.status, entry.attempts, Ticket.objects.count()) == ("queued", 1, before)
    page = dana.get(response["Location"]).content.decode()
    assert "We have received your ticket" in page and entry.reference in page and "Long story" in page
    assert "a.txt" in page
    listed = dana.get("/tickets/").content.decode()
    assert listed.index(entry.reference) < re.search(r'href="/tickets/\d+/"', listed).start()  # pending first
    assert "Waiting to be delivered" in listed
    monkeypatch.undo()
    with later(5):  # its back-off is over
        worker()
    ticket = Ticket.objects.latest("id")
    assert Ticket.objects.count() == before + 1 and ticket.posts.get().contents == "Long story"
    assert Attachment.objects.get(ticket=ticket).name == "a.txt"
    assert dana.get(response["Location"])["Location"] == f"/tickets/{ticket.pk}/"
    assert entry.reference not in dana.get("/tickets/").content.decode()


@pytest.mark.parametrize("code,field", [
    (kayako.ErrorCode.INVALID_DEPARTMENT, "department"), (kayako.ErrorCode.INVALID_PRIORITY, "priority"),
    (kayako.ErrorCode.ATTACHMENT_FETCH_FAILED, "attachments"),
])
def test_a_refusal_comes_back_with_the_text_kept_for_editing(dana, worker, monkeypatch, code, field):
    def refuse(**kwargs):
        raise kayako.Rejected(code, "submitTicket")

    monkeypatch.setattr(kayako, "submit_ticket", refuse)
    response = dana.post("/tickets/new/", {**technical_data(message="My careful words"),
                                           "attachments": [SimpleUploadedFile("log.txt", b"log")]})
    worker()
    message = str(kayako.ERROR_CODES[code][1])
    page = dana.get(response["Location"]).content.decode()
    assert "Your ticket was not accepted" in page and message in page and "My careful words" in page
    assert len(mail.outbox) == 1 and message in mail.outbox[0].body and mail.outbox[0].to == [DEMO]
    entry = OutboxEntry.objects.get()
    html = dana.get(f"/tickets/sent/{entry.reference}/edit/").content.decode()
    assert html.count(message) == 2  # in the error summary, and at its field
    assert f'id="error_1_id_{field}" class="invalid-feedback d-block">{message}</div>' in field_html(html, field)
    assert "My careful words</textarea>" in html and 'value="Sync broken"' in html
    staged = StagedUpload.objects.get()
    assert f'value="{staged.token}" checked' in html
    monkeypatch.undo()
    resent = dana.post(f"/tickets/sent/{entry.reference}/edit/", {**technical_data(message="My careful words"),
                                                                  "staged": [staged.token]})
    assert resent["Location"] == f"/tickets/sent/{entry.reference}/"
    worker()
    ticket = Ticket.objects.latest("id")
    assert ticket.posts.get().contents == "My careful words" and ticket.attachments.get().name == "log.txt"


def test_custom_field_changed_in_the_helpdesk_is_shown_at_the_field(dana, worker):
    dana.get("/tickets/new/", {"department": ids()["technical"]})  # definitions now cached
    steps = CustomField.objects.get(title="Steps to reproduce")
    steps.isrequired = True
    steps.save()
    dana.post("/tickets/new/", technical_data())
    worker()
    entry = OutboxEntry.objects.get()
    assert entry.status == "rejected"
    html = dana.get(f"/tickets/sent/{entry.reference}/edit/").content.decode()
    assert f"error_1_id_{cf('Steps to reproduce')}" in html


def test_a_refused_ticket_can_be_discarded(dana, worker, monkeypatch):
    monkeypatch.setattr(kayako, "submit_ticket", lambda **kwargs: (_ for _ in ()).throw(
        kayako.Rejected(kayako.ErrorCode.INVALID_PRIORITY, "submitTicket")))
    dana.post("/tickets/new/", {**technical_data(), "attachments": [SimpleUploadedFile("x.txt", b"x")]})
    worker()
    entry = OutboxEntry.objects.get()
    assert entry.reference in dana.get("/tickets/").content.decode()
    response = dana.post(f"/tickets/sent/{entry.reference}/discard/")
    assert response["Location"] == "/tickets/"
    entry.refresh_from_db()
    assert entry.status == "discarded" and not StagedUpload.objects.exists()
    assert entry.reference not in dana.get("/tickets/").content.decode()


def test_guest_honeypot_and_rate_limit(demo, worker, settings):
    guest = Client()
    data = {"full_name": "Bot", "email": "bot@example.com", "department": ids()["billing"],
            "priority": ids()["low"], "subject": "Buy", "message": "Spam"}
    assert guest.post("/tickets/new/", {**data, "website": "http://spam"}).status_code == 400
    settings.TICKETS_GUEST_RATE_LIMIT = (2, 3600)
    codes = [guest.post("/tickets/new/", {**data, "subject": f"n{i}"}).status_code for i in range(3)]
    assert codes == [302, 302, 400]
    assert OutboxEntry.objects.filter(email="bot@example.com").count() == 2  # (awaiting confirmation)


def test_guest_submission_can_be_turned_off(demo, settings):
    settings.TICKETS_GUEST_SUBMISSION = False
    response = Client().get("/tickets/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_two_step_department_switch_without_javascript(dana):
    data = {"department": ids()["technical"], "priority": ids()["low"], "subject": "Keep me", "message": "And me",
            "refresh_fields": "1"}
    html = dana.post("/tickets/new/", data).content.decode()
    assert "Problem details" in html and 'value="Keep me"' in html and "And me</textarea>" in html
    assert "errorlist" not in html and "invalid-feedback" not in html


def test_a_password_value_typed_in_a_failed_attempt_is_kept_unseen_and_sent(dana, worker):
    token = token_of(dana.get("/tickets/new/").content.decode())
    failed = dana.post("/tickets/new/", technical_data(subject="", form_token=token, **{cf("Licence key"): "KEY-77"}))
    html = failed.content.decode()
    assert failed.status_code == 400 and "KEY-77" not in html
    assert "Leave empty to keep the value you gave." in field_html(html, cf("Licence key"))
    sent = dana.post("/tickets/new/", technical_data(subject="Kept key", form_token=token, **{cf("Licence key"): ""}))
    assert sent.status_code == 302
    worker()
    assert Ticket.objects.get(subject="Kept key").customvalues.get(field__title="Licence key").value == "KEY-77"
    assert not [key for key, _value in dana.session.items() if key.startswith("tickets-secrets-")]  # forgotten once sent
