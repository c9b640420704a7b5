"""Reading while the helpdesk cannot answer: a customer's ticket list and the tickets they opened
are kept for that customer alone and shown marked "as of" their time; what was never kept is the
503 page, in the reader's terms."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

import kayako

from .conftest import DEMO, customer, signed_in

pytestmark = pytest.mark.embedded_helpdesk_only  # the service module's cache, the same for every peer

NOTICE = "The support system cannot be reached right now."


def ticket_links(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'href="(/tickets/\d+/)"', html)))


def test_the_list_and_the_tickets_opened_are_shown_as_of_when_they_were_read(demo, hang_helpdesk, later, settings):
    dana = signed_in(User.objects.get(email=DEMO))
    call_command("seed_demo", tickets=3, email="kim@example.com", verbosity=0)
    kim = signed_in(customer("kim@example.com", "Kim Kay"))
    # Read longer ago than the pages are kept (common.pagecache): the outage finds only the data's copies.
    with later(-settings.TICKETS_PAGE_CACHE_SECONDS - 1):
        live = {name: client.get("/tickets/").content.decode() for name, client in (("dana", dana), ("kim", kim))}
        assert NOTICE not in live["dana"] and NOTICE not in live["kim"]
        opened, never_opened = ticket_links(live["dana"])[:2]
        subject = dana.get(opened).content.decode().split("<h1", 1)[1].split("</h1>")[0]

    hang_helpdesk()
    for name, client in (("dana", dana), ("kim", kim)):
        response = client.get("/tickets/")
        html = response.content.decode()
        assert response.status_code == 200 and NOTICE in html and 'as of <time datetime="' in html
        assert ticket_links(html) == ticket_links(live[name])  # each their own

    response = dana.get(opened)
    assert response.status_code == 200 and NOTICE in response.content.decode()
    assert subject in response.content.decode()
    for missing in (never_opened, "/tickets/?sort=priorityid"):  # never read: nothing to show
        response = dana.get(missing)
        assert response.status_code == 503
        assert "This page needs our helpdesk, which we cannot reach at the moment." in response.content.decode()
    assert kayako.helpdesk_state().state == "open"  # three calls timed out: the rest failed at once


def test_a_customer_never_sees_a_copy_kept_for_another(demo, newcomer, hang_helpdesk, later, settings):
    dana = signed_in(User.objects.get(email=DEMO))
    with later(-settings.TICKETS_PAGE_CACHE_SECONDS - 1):  # longer ago than the pages are kept
        assert ticket_links(dana.get("/tickets/").content.decode())
        assert newcomer.get("/tickets/").status_code == 200
    hang_helpdesk()
    assert dana.get("/tickets/").status_code == 200
    newcomer_list = newcomer.get("/tickets/")
    assert newcomer_list.status_code == 503 and not ticket_links(newcomer_list.content.decode())


def test_the_submit_form_opens_from_the_cache(demo, dana, hang_helpdesk, settings):
    live = dana.get("/tickets/new/").content.decode()
    settings.KAYAKO_CACHE_TTL = 0  # every copy is old: the form asks the helpdesk, which hangs
    hang_helpdesk()
    response = dana.get("/tickets/new/")
    html = response.content.decode()
    assert response.status_code == 200 and NOTICE in html
    assert re.findall(r"<option[^>]*>([^<]+)</option>", html) == re.findall(r"<option[^>]*>([^<]+)</option>", live)



def test_a_ticket_sent_while_the_helpdesk_hangs_is_kept_and_delivered_when_it_answers(
        demo, dana, hang_helpdesk, settings, worker, later, monkeypatch):
    from helpdesk.models import Ticket
    from tickets.models import OutboxEntry

    from .test_submit import technical_data

    data = technical_data(message="Written during the outage")
    # The form and the department's fields (htmx), read while the helpdesk answered.
    assert dana.get("/tickets/new/").status_code == 200
    assert "Product version" in dana.get("/tickets/new/fields/", {"department": data["department"]}).content.decode()
    settings.KAYAKO_CACHE_TTL = 0
    sent = hang_helpdesk()
    before = Ticket.objects.count()
    response = dana.post("/tickets/new/", data)
    assert response.status_code == 302 and "submitTicket" not in sent  # stored, for the worker
    worker()
    assert "submitTicket" in sent
    entry = OutboxEntry.objects.get()
    assert entry.status == "queued" and entry.attempts == 1 and Ticket.objects.count() == before
    assert "Written during the outage" in dana.get(response["Location"]).content.decode()
    monkeypatch.undo()  # the helpdesk answers again
    with later(settings.OUTBOX_RETRY_MAX_SECONDS + settings.KAYAKO_BREAKER_COOL_DOWN):
        worker()
    entry.refresh_from_db()
    assert entry.status == "delivered" and Ticket.objects.count() == before + 1
    assert Ticket.objects.latest("id").posts.get().contents == "Written during the outage"
