from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import kayako
from helpdesk.models import Attachment, Customer, CustomField, Priority, Status, Ticket, TicketPost
from kayako import service
from tickets.models import OutboxEntry, StagedUpload

from .conftest import DEMO, customer, signed_in


def demo_ticket(**filters) -> Ticket:
    return Ticket.objects.filter(customer__email=DEMO, **filters).order_by("id").first()


def test_ticket_page_shows_thread_properties_and_attachments(dana):
    ticket = demo_ticket(posts__staff__isnull=False, attachments__isnull=False)
    html = dana.get(f"/tickets/{ticket.pk}/").content.decode()
    assert ticket.subject in html and ticket.mask in html
    assert html.count("Support team") == ticket.posts.filter(staff__isnull=False).count()
    attachment = ticket.attachments.first()
    assert f"/tickets/{ticket.pk}/attachments/{attachment.pk}/" in html
    assert attachment.name in html and "text/plain" in html
    assert ticket.department.title in html and ticket.status.title in html
    assert html.index("Hello,") < html.index("Thanks for the report")  # oldest first


def test_posts_html_sanitized_plain_escaped(dana):
    ticket = demo_ticket()
    TicketPost.objects.create(ticket=ticket, fullname="Sam", contents='<p>Hi<script>x()</script><a href="javascript:x()">l</a></p>',
                              ishtml=True, staff_id=None)
    TicketPost.objects.create(ticket=ticket, fullname="Dana", contents="<b>not bold</b>\nsecond line", ishtml=False)
    html = dana.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "<script>x()" not in html and "javascript:x()" not in html and "<p>Hi" in html
    assert "&lt;b&gt;not bold&lt;/b&gt;<br>second line" in html


def test_edited_posts_are_marked(dana):
    from django.contrib.auth.models import User
    from django.utils import timezone

    ticket = demo_ticket()
    post = ticket.posts.first()
    post.editedby = User.objects.get(username="staff")
    post.editeddate = timezone.now()
    post.save()
    assert "<em>edited" in dana.get(f"/tickets/{ticket.pk}/").content.decode()


def test_custom_field_values_are_shown_and_editable(dana):
    ticket = demo_ticket(department__title="Technical support")
    version = CustomField.objects.get(title="Product version")
    html = dana.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Product version</dt>" in html and "4.2.1</dd>" in html
    edit = dana.get(f"/tickets/{ticket.pk}/fields/").content.decode()
    assert 'value="4.2.1"' in edit
    response = dana.post(f"/tickets/{ticket.pk}/fields/", {
        f"cf_{version.pk}": "5.0", f"cf_{CustomField.objects.get(title='Operating system').pk}": "Linux",
        f"cf_{CustomField.objects.get(title='How often does it happen?').pk}": "Once",
    }, follow=True)
    assert "Saved." in response.content.decode()
    assert ticket.customvalues.get(field=version).value == "5.0"


def test_reply_with_attachment(dana, worker):
    ticket = demo_ticket()
    upload = SimpleUploadedFile("notes.txt", b"my notes", content_type="text/plain")
    response = dana.post(f"/tickets/{ticket.pk}/reply/", {"reply": "Here you go", "attachments": [upload]})
    worker()
    response = dana.get(response["Location"], follow=True)
    assert "Your reply was added." in response.content.decode()
    post = ticket.posts.last()
    assert post.contents == "Here you go" and post.attachments.get().file.read() == b"my notes"
    ticket.refresh_from_db()
    assert ticket.lastreplier == "Dana Demo"
    assert not StagedUpload.objects.exists()


def test_a_reposted_reply_is_not_doubled(dana, worker):
    ticket = demo_ticket()
    page = dana.get(f"/tickets/{ticket.pk}/").content.decode()
    token = page.split('name="form_token" value="')[1].split('"')[0]
    before = ticket.posts.count()
    for _ in range(3):
        dana.post(f"/tickets/{ticket.pk}/reply/", {"reply": "Once only", "form_token": token})
    worker()
    assert ticket.posts.count() == before + 1


def test_empty_reply_is_explained(dana):
    ticket = demo_ticket()
    response = dana.post(f"/tickets/{ticket.pk}/reply/", {"reply": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode().split('id="id_reply"')[1]


def test_reply_while_the_helpdesk_is_down_is_kept_and_delivered_later(dana, worker, later, monkeypatch):
    ticket = demo_ticket()

    def down(*args, **kwargs):
        raise kayako.Unavailable("down")

    monkeypatch.setattr(kayako, "post_ticket_reply", down)
    upload = SimpleUploadedFile("log.txt", b"log", content_type="text/plain")
    response = dana.post(f"/tickets/{ticket.pk}/reply/", {"reply": "Important words", "attachments": [upload]})
    worker()
    entry = OutboxEntry.objects.get()
    assert response["Location"] == f"/tickets/sent/{entry.reference}/" and entry.status == "queued"
    thread = dana.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Waiting to be delivered" in thread and "Important words" in thread
    monkeypatch.undo()
    with later(5):
        worker()
    post = ticket.posts.last()
    assert post.contents == "Important words" and post.attachments.get().name == "log.txt"
    assert "Waiting to be delivered" not in dana.get(f"/tickets/{ticket.pk}/").content.decode()


def test_an_invalid_reply_while_the_helpdesk_is_down_keeps_text_and_files(dana, monkeypatch, settings):
    ticket = demo_ticket()
    settings.TICKET_UPLOAD_MAX_FILE_BYTES = 10

    def down(*args, **kwargs):
        raise kayako.Unavailable("down")

    monkeypatch.setattr(service, "_read", down)
    response = dana.post(f"/tickets/{ticket.pk}/reply/", {
        "reply": "Important words", "attachments": [SimpleUploadedFile("log.txt", b"log", content_type="text/plain"),
                                                    SimpleUploadedFile("big.bin", b"x" * 11)]})
    html = response.content.decode()
    assert response.status_code == 503
    assert "Important words</textarea>" in html and "is larger than" in html
    assert not OutboxEntry.objects.exists()


def test_close_reopen_and_change_priority(dana):
    ticket = demo_ticket(status__title="Open")
    closed, open_ = Status.objects.get(title="Closed"), Status.objects.get(title="Open")
    html = dana.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Close ticket" in html
    dana.post(f"/tickets/{ticket.pk}/properties/", {"status": closed.pk})
    ticket.refresh_from_db()
    assert ticket.status == closed
    assert "Reopen ticket" in dana.get(f"/tickets/{ticket.pk}/").content.decode()
    dana.post(f"/tickets/{ticket.pk}/properties/", {"status": open_.pk})
    high = Priority.objects.get(title="High")
    dana.post(f"/tickets/{ticket.pk}/properties/", {"priority": high.pk})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == (open_, high)


def test_private_status_and_priority_are_refused(dana):
    ticket = demo_ticket()
    spam, critical = Status.objects.get(title="Spam"), Priority.objects.get(title="Critical")
    for data in ({"status": spam.pk}, {"priority": critical.pk}, {}):
        response = dana.post(f"/tickets/{ticket.pk}/properties/", data)
        assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status != spam and ticket.priority != critical


def test_download_streams_the_bytes_as_an_attachment(dana):
    attachment = Attachment.objects.filter(ticket__customer__email=DEMO).first()
    attachment.name = "résumé final.txt"
    attachment.save()
    response = dana.get(f"/tickets/{attachment.ticket_id}/attachments/{attachment.pk}/")
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == attachment.file.open("rb").read()
    assert response["Content-Type"] == "text/plain"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert f"filename*=utf-8''{quote('résumé final.txt')}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment;")


def test_staged_files_are_served_only_during_the_call(dana, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from tickets import staging

    path = default_storage.save("staging/x/a.txt", ContentFile(b"a"))
    upload = staging.StagedUpload.objects.create(token="t" * 43, owner="user:0", name="a.txt", mime_type="text/plain",
                                                 size=1, path=path)
    url = f"/tickets/staged/{upload.token}/a.txt"
    assert Client().get(url).status_code == 404
    with pytest.raises(kayako.Unavailable), staging.offered([upload]) as attachments:
        assert attachments[0].url.endswith(url)
        assert b"".join(Client().get(url).streaming_content) == b"a"
        raise kayako.Unavailable("the call failed")
    assert Client().get(url).status_code == 404  # withdrawn
    with django_capture_on_commit_callbacks(execute=True), staging.offered([upload]):
        assert Client().get(url).status_code == 200
        staging.discard([upload])  # the call succeeded: the helpdesk has the file
    assert Client().get(url).status_code == 404
    assert not staging.StagedUpload.objects.filter(pk=upload.pk).exists() and not default_storage.exists(path)


def test_staged_files_are_offered_from_their_own_server_when_there_is_one(dana, settings):
    from tickets import staging

    upload = staging.StagedUpload.objects.create(token="f" * 43, owner="user:0", name="b.txt", mime_type="text/plain",
                                                 size=1, path="staging/y/b.txt")
    settings.STAGED_FILES_URL = "http://127.0.0.1:8002"
    with staging.offered([upload]) as attachments:
        assert attachments[0].url == f"http://127.0.0.1:8002/tickets/staged/{upload.token}/b.txt"
    settings.STAGED_FILES_URL = ""
    with staging.offered([upload]) as attachments:
        assert attachments[0].url == f"{settings.PORTAL_PUBLIC_URL}/tickets/staged/{upload.token}/b.txt"


def test_idor_every_url_of_anothers_ticket_is_404(demo, worker):
    intruder = signed_in(customer("intruder@example.com"))
    Customer.objects.create(email="intruder@example.com", fullname="Intruder", password="!")
    attachment = Attachment.objects.filter(ticket__customer__email=DEMO).first()
    ticket = attachment.ticket
    version = CustomField.objects.get(title="Product version")
    before = (ticket.posts.count(), ticket.status_id, ticket.priority_id)
    requests = [
        ("get", f"/tickets/{ticket.pk}/", {}),
        ("get", f"/tickets/{ticket.pk}/attachments/{attachment.pk}/", {}),
        ("post", f"/tickets/{ticket.pk}/properties/", {"status": Status.objects.get(title="Closed").pk}),
        ("post", f"/tickets/{ticket.pk}/fields/", {f"cf_{version.pk}": "hacked"}),
        ("get", f"/tickets/{ticket.pk}/fields/", {}),
    ]
    for method, url, data in requests:
        response = getattr(intruder, method)(url, data)
        assert response.status_code == 404, url
        assert "We could not find that page" in response.content.decode()
    missing = intruder.get("/tickets/99999999/")
    assert missing.status_code == 404
    # A reply is stored without asking the helpdesk; delivering it is refused like a missing ticket.
    reply = intruder.post(f"/tickets/{ticket.pk}/reply/", {"reply": "mine now"})
    worker()
    refused = intruder.get(reply["Location"]).content.decode()
    assert "We could not find that ticket." in refused and ticket.subject not in refused
    ticket.refresh_from_db()
    assert (ticket.posts.count(), ticket.status_id, ticket.priority_id) == before
    assert not ticket.customvalues.filter(value="hacked").exists()
    # and the attachment of one's own ticket does not open another's attachment
    own = intruder.get(f"/tickets/{ticket.pk}/attachments/999999/")
    assert own.status_code == 404


@pytest.mark.parametrize("name,content,error", [
    ("empty.txt", b"", "is empty"),
    ("big.bin", b"x" * 2049, "is larger than"),
])
def test_upload_limits(dana, settings, name, content, error):
    settings.TICKET_UPLOAD_MAX_FILE_BYTES = 2048
    ticket = demo_ticket()
    response = dana.post(f"/tickets/{ticket.pk}/reply/", {
        "reply": "with file", "attachments": [SimpleUploadedFile(name, content)]})
    assert response.status_code == 400 and error in response.content.decode()


def test_total_upload_limit(dana, settings):
    settings.TICKET_UPLOAD_MAX_TOTAL_BYTES = 3000
    ticket = demo_ticket()
    files = [SimpleUploadedFile(f"f{i}.bin", b"x" * 1200) for i in range(3)]
    response = dana.post(f"/tickets/{ticket.pk}/reply/", {"reply": "files", "attachments": files})
    html = response.content.decode()
    assert response.status_code == 400 and "“f2.bin” was left out: all attachments together" in html
    # the files that fit are kept for the next attempt
    assert sorted(StagedUpload.objects.values_list("name", flat=True)) == ["f0.bin", "f1.bin"]
    assert html.count('name="staged"') == 2



def test_a_password_value_is_never_sent_back_and_is_kept_when_left_empty(dana):
    ticket = demo_ticket(department__title="Technical support")
    licence = CustomField.objects.get(title="Licence key")
    steps = CustomField.objects.get(title="Steps to reproduce")
    ticket.customvalues.update_or_create(field=licence, defaults={"value": "SECRET-LICENCE-9"})
    ticket.customvalues.update_or_create(field=steps, defaults={"value": "Open the app\nClick Sync"})
    page = dana.get(f"/tickets/{ticket.pk}/").content.decode()
    edit = dana.get(f"/tickets/{ticket.pk}/fields/").content.decode()
    assert "SECRET-LICENCE-9" not in page and "SECRET-LICENCE-9" not in edit
    assert "••••••" in page and "Leave empty to keep the value you gave." in edit
    assert '<dd class="col-6 custom-value">Open the app\nClick Sync</dd>' in page  # shown with its line break (CSS)
    required = {f"cf_{CustomField.objects.get(title='Product version').pk}": "4.2.1",
                f"cf_{CustomField.objects.get(title='Operating system').pk}": "Linux",
                f"cf_{CustomField.objects.get(title='How often does it happen?').pk}": "Once"}
    assert dana.post(f"/tickets/{ticket.pk}/fields/", {**required, f"cf_{licence.pk}": ""}).status_code == 302
    assert ticket.customvalues.get(field=licence).value == "SECRET-LICENCE-9"
    assert dana.post(f"/tickets/{ticket.pk}/fields/", {**required, f"cf_{licence.pk}": "NEW-KEY"}).status_code == 302
    assert ticket.customvalues.get(field=licence).value == "NEW-KEY"
