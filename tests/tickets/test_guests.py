"""Guests, who have no account: their tickets wait for the link mailed to the address they gave
(issue 15, finding 7: nobody files a ticket in a registered customer's name), and they follow a
ticket with a link mailed on request (/tickets/lookup/)."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import kayako
from common import schedule
from helpdesk.models import Ticket
from tickets.models import OutboxEntry, StagedUpload

from .conftest import DEMO, customer, signed_in
from .test_submit import ids


def guest_ticket(client: Client, email: str, subject: str = "Invoice", **extra):
    return client.post("/tickets/new/", {
        "full_name": "Gus Guest", "email": email, "department": ids()["billing"], "priority": ids()["low"],
        "subject": subject, "message": "Wrong amount", "website": "", **extra})


def mailed_link(kind: str, to: str) -> str:
    """The path of the last link of this kind (confirm, guest) mailed to `to`."""
    bodies = [m.body for m in mail.outbox if m.to == [to] and f"/tickets/{kind}/" in m.body]
    assert bodies, f"no {kind} link was mailed to {to}"
    return re.search(rf"https?://[^/\s]+(/tickets/{kind}/\S+/)", bodies[-1]).group(1)


def visible_text(response) -> str:
    """The page's main content as text, without what differs per request (tokens)."""
    main = response.content.decode().split('id="main"')[1].split("</main>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r'value="[^"]*"', "", main)).split())


# --- a guest's ticket waits for its address's confirmation (finding 7) -----------------------------


def test_a_guest_ticket_under_a_customers_address_is_sent_only_once_the_mailed_link_is_confirmed(dana, worker):
    tickets_before = Ticket.objects.filter(customer__email=DEMO).count()
    guest = Client()
    response = guest_ticket(guest, DEMO, subject="Filed in your name")
    worker()
    # Nothing reached the helpdesk, nor the customer's list: only a link went to the customer's mailbox.
    assert Ticket.objects.filter(customer__email=DEMO).count() == tickets_before
    assert "Filed in your name" not in dana.get("/tickets/").content.decode()
    page = guest.get(response["Location"]).content.decode()
    assert "Check your mailbox to send your ticket" in page and DEMO in page
    entry = OutboxEntry.objects.get()
    assert entry.status == "awaiting"
    link = mailed_link("confirm", DEMO)
    assert "Filed in your name" in guest.get(link).content.decode()  # shows what would be sent
    assert guest.post(link)["Location"] == f"/tickets/sent/{entry.reference}/"
    worker()
    ticket = Ticket.objects.get(subject="Filed in your name")
    assert ticket.customer.email == DEMO
    # The browser that confirmed follows the ticket itself.
    assert guest.get(f"/tickets/sent/{entry.reference}/")["Location"] == f"/tickets/{ticket.pk}/"
    assert "Filed in your name" in guest.get(f"/tickets/{ticket.pk}/").content.decode()


def test_every_guest_is_told_the_same_whether_or_not_the_address_has_an_account(demo):
    pages = []
    for email in (DEMO, "nobody-here@example.com"):
        guest = Client()
        response = guest_ticket(guest, email)
        reference = response["Location"].split("/")[-2]
        pages.append(visible_text(guest.get(response["Location"])).replace(email, "ADDRESS").replace(reference, "REF"))
    assert pages[0] == pages[1]
    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {"awaiting"}


def test_a_ticket_confirmed_in_another_browser_is_sent_and_the_first_one_points_to_the_lookup(demo, worker):
    guest = Client()
    sent = guest_ticket(guest, "gus@example.com")["Location"]
    worker()
    elsewhere = Client()
    link = mailed_link("confirm", "gus@example.com")
    confirmed = elsewhere.post(link)
    assert confirmed.status_code == 200 and "your ticket is on its way" in confirmed.content.decode()
    worker()
    ticket = Ticket.objects.get(customer__email="gus@example.com")
    page = guest.get(sent).content.decode()
    assert ticket.mask in page and 'href="/tickets/lookup/"' in page
    assert guest.get(f"/tickets/{ticket.pk}/")["Location"].startswith("/tickets/lookup/")  # no link held here
    assert "was confirmed already" in elsewhere.get(link).content.decode()
    assert Ticket.objects.filter(customer__email="gus@example.com").count() == 1


def test_an_unconfirmed_guest_ticket_is_discarded_when_its_link_expires(demo, worker, later, settings):
    guest = Client()
    guest_ticket(guest, "gus@example.com", attachments=[SimpleUploadedFile("bill.txt", b"bill")])
    worker()
    link = mailed_link("confirm", "gus@example.com")
    assert StagedUpload.objects.count() == 1
    with later(settings.TICKETS_GUEST_CONFIRM_SECONDS + 3600):
        schedule.tick()  # the worker's beat: the hourly purge is due
        worker()
        expired = guest.post(link)
    assert expired.status_code == 404 and "This link has expired" in expired.content.decode()
    assert OutboxEntry.objects.get().status == "discarded" and not StagedUpload.objects.exists()
    assert not Ticket.objects.filter(customer__email="gus@example.com").exists()


def test_a_forged_confirmation_link_sends_nothing(demo, worker):
    guest = Client()
    guest_ticket(guest, "gus@example.com")
    worker()
    entry = OutboxEntry.objects.get()
    token = mailed_link("confirm", "gus@example.com").split("/")[-2]
    for forged in (entry.reference, f"{token}x", token.replace(":", "x:", 1)):
        assert guest.post(f"/tickets/confirm/{forged}/").status_code == 404
    entry.refresh_from_db()
    assert entry.status == "awaiting"


def test_a_refused_guest_ticket_sent_again_to_another_address_waits_for_that_address(demo, worker, monkeypatch):
    guest = Client()
    sent = guest_ticket(guest, "gus@example.com")["Location"]
    worker()
    first_link = mailed_link("confirm", "gus@example.com")
    guest.post(first_link)
    monkeypatch.setattr(kayako, "submit_ticket", lambda **kwargs: (_ for _ in ()).throw(
        kayako.Rejected(kayako.ErrorCode.INVALID_PRIORITY, "submitTicket")))
    worker()
    monkeypatch.undo()
    entry = OutboxEntry.objects.get()
    assert entry.status == "rejected"
    resent = guest.post(f"{sent}edit/", {
        "full_name": "Gus Guest", "email": DEMO, "department": ids()["billing"], "priority": ids()["low"],
        "subject": "Moved to your name", "message": "Wrong amount", "website": ""})
    assert resent["Location"] == sent
    worker()
    entry.refresh_from_db()
    assert entry.status == "awaiting" and not Ticket.objects.filter(subject="Moved to your name").exists()
    assert guest.post(first_link).status_code == 404  # the first address's link does not confirm for the new one
    entry.refresh_from_db()
    assert entry.status == "awaiting"
    assert "Moved to your name" in guest.get(mailed_link("confirm", DEMO)).content.decode()


# --- following a ticket with a mailed link ---------------------------------------------------------


def demo_ticket(**filters) -> Ticket:
    return Ticket.objects.filter(customer__email=DEMO, **filters).order_by("id").first()


def test_a_guest_link_opens_one_ticket_to_read_and_reply_to(demo, worker):
    ticket = demo_ticket(attachments__isnull=False)
    other = Ticket.objects.filter(customer__email=DEMO).exclude(pk=ticket.pk).first()
    guest = Client()
    assert guest.get(f"/tickets/{ticket.pk}/")["Location"] == f"/tickets/lookup/?next=%2Ftickets%2F{ticket.pk}%2F"
    form = guest.get(f"/tickets/lookup/?next=/tickets/{ticket.pk}/").content.decode()
    assert f'href="/accounts/login/?next=/tickets/{ticket.pk}/"' in form.replace("%2F", "/")
    answer = guest.post("/tickets/lookup/", {"email": DEMO, "ticket": ticket.mask.lower(), "website": ""})
    assert "Check your mailbox" in answer.content.decode()
    assert mail.outbox == []  # the worker looks the ticket up and mails the link
    worker()
    link = mailed_link("guest", DEMO)
    assert guest.get(link)["Location"] == f"/tickets/{ticket.pk}/"
    page = guest.get(f"/tickets/{ticket.pk}/").content.decode()
    assert ticket.subject in page and "with the link we emailed you" in page
    assert "Close ticket" not in page and "Change this ticket" not in page  # guests read and reply
    attachment = ticket.attachments.first()
    assert guest.get(f"/tickets/{ticket.pk}/attachments/{attachment.pk}/").status_code == 200
    for url in (f"/tickets/{other.pk}/", f"/tickets/{other.pk}/attachments/{attachment.pk}/", "/tickets/"):
        assert guest.get(url).status_code == 302, url  # nothing else opens
    assert guest.post(f"/tickets/{ticket.pk}/properties/", {"status": 1})["Location"].startswith("/accounts/login/")
    reply = guest.post(f"/tickets/{ticket.pk}/reply/", {"reply": "Answered as a guest"})
    worker()
    assert ticket.posts.last().contents == "Answered as a guest"
    assert guest.get(reply["Location"])["Location"] == f"/tickets/{ticket.pk}/#latest"


def test_the_lookup_answers_the_same_whether_or_not_the_pair_exists(demo, worker):
    ticket = demo_ticket()
    pairs = [(DEMO, ticket.mask), (DEMO, "XYZ-000000"), ("nobody-here@example.com", ticket.mask)]
    pages = [visible_text(Client().post("/tickets/lookup/", {"email": email, "ticket": mask, "website": ""}))
             .replace(email, "ADDRESS") for email, mask in pairs]
    assert pages[0] == pages[1] == pages[2]
    worker()
    assert [(m.to, ticket.mask in m.subject) for m in mail.outbox] == [([DEMO], True)]


def test_a_guest_hears_from_us_in_the_language_they_wrote_in(demo, worker):
    guest_ticket(Client(headers={"accept-language": "de-DE,de;q=0.9"}), "gast@example.com", subject="Rechnung")
    ticket = demo_ticket()
    Client(headers={"accept-language": "fr"}).post("/tickets/lookup/", {"email": DEMO, "ticket": ticket.mask,
                                                                        "website": ""})
    worker()  # the worker's own language is the site's: English
    [confirmation] = [m for m in mail.outbox if m.to == ["gast@example.com"]]
    assert confirmation.subject == "Bitte bestätigen Sie Ihr Ticket „Rechnung“"
    assert "Guten Tag Gus Guest," in confirmation.body and "„Ja, mein Ticket senden“" in confirmation.body
    [link] = [m for m in mail.outbox if m.to == [DEMO]]
    assert link.subject == f"[{ticket.mask}] Votre lien vers votre ticket"
    assert "Voici votre lien vers le ticket" in link.body


def test_the_lookup_is_rate_limited_per_network_and_per_address(demo, worker, settings):
    ticket = demo_ticket()
    settings.TICKETS_LOOKUP_RATE_LIMIT, settings.TICKETS_LOOKUP_ADDRESS_LIMIT = (4, 3600), (2, 3600)
    codes = [Client().post("/tickets/lookup/", {"email": DEMO, "ticket": ticket.mask, "website": ""}).status_code
             for _ in range(5)]
    assert codes == [200, 200, 200, 200, 400]
    worker()
    assert len(mail.outbox) == 2  # the address's limit: no mailbox is flooded, and the asker is not told
    assert "Please wait an hour" in Client().post(
        "/tickets/lookup/", {"email": DEMO, "ticket": ticket.mask, "website": ""}).content.decode()


def test_an_expired_or_forged_link_opens_nothing(demo, worker, later, settings):
    ticket = demo_ticket()
    Client().post("/tickets/lookup/", {"email": DEMO, "ticket": ticket.mask, "website": ""})
    worker()
    link = mailed_link("guest", DEMO)
    forged = link.replace("/tickets/guest/", "/tickets/guest/x")
    assert Client().get(forged).status_code == 404
    guest = Client()
    guest.get(link)
    with later(settings.TICKETS_GUEST_LINK_SECONDS + 1):
        assert guest.get(f"/tickets/{ticket.pk}/").status_code == 302  # the session's access ended with the link
        expired = Client().get(link)
    assert expired.status_code == 404 and "This link has expired" in expired.content.decode()


def test_a_signed_in_customer_is_never_a_guest_of_someone_elses_ticket(demo, worker):
    ticket = demo_ticket()
    Client().post("/tickets/lookup/", {"email": DEMO, "ticket": ticket.mask, "website": ""})
    worker()
    other = signed_in(customer("other@example.com"))
    other.get(mailed_link("guest", DEMO))
    assert other.get(f"/tickets/{ticket.pk}/").status_code == 404  # as themselves: not their ticket


@pytest.mark.parametrize("data", [{"email": "not-an-address", "ticket": "ABC-1"}, {"email": DEMO, "ticket": ""}])
def test_lookup_input_errors_are_explained(demo, data):
    response = Client().post("/tickets/lookup/", {**data, "website": ""})
    assert response.status_code == 400 and "invalid-feedback" in response.content.decode()
