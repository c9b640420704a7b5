"""common.pagecache for the ticket pages: a customer's list and ticket pages are kept for them alone
for TICKETS_PAGE_CACHE_SECONDS; their own actions show on their very next request, staff's changes
in the helpdesk after the lifetime; each served page carries the visitor's own CSRF token."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import transaction
from django.test import Client

import kayako
from common import pagecache
from helpdesk.models import Status, Ticket

from .conftest import DEMO

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NOTICE = "The support system cannot be reached right now."


@pytest.fixture
def helpdesk(embedded_helpdesk):
    """The page cache is the portal's own: one peer is enough."""
    return embedded_helpdesk


@pytest.fixture
def ticket(demo):
    """A ticket of the demo customer's on the first page of their list (the most recently active)."""
    return Ticket.objects.filter(customer__email=DEMO).order_by("-lastactivity").first()


def renamed(ticket: Ticket, subject: str) -> None:
    """Staff's change in the helpdesk, which the portal hears of only by reading again."""
    Ticket.objects.filter(pk=ticket.pk).update(subject=subject)


def test_a_page_is_kept_for_its_lifetime_then_read_again(dana, ticket, later, settings):
    paths = (f"/tickets/{ticket.pk}/", "/tickets/", f"/tickets/?status={ticket.status_id}")
    renamed(ticket, "Subject first")
    assert all("Subject first" in dana.get(path).content.decode() for path in paths)
    renamed(ticket, "Subject second")
    for path in paths:
        html = dana.get(path).content.decode()
        assert "Subject first" in html and "Subject second" not in html  # the kept page
    with later(settings.TICKETS_PAGE_CACHE_SECONDS + 1):
        assert all("Subject second" in dana.get(path).content.decode() for path in paths)


def test_past_its_lifetime_one_request_renders_again_while_the_others_get_the_copy(
        dana, ticket, later, settings, monkeypatch):
    path = f"/tickets/{ticket.pk}/"
    renamed(ticket, "Subject first")
    dana.get(path)
    renamed(ticket, "Subject second")
    with later(settings.TICKETS_PAGE_CACHE_SECONDS + 1):
        with monkeypatch.context() as renewing:  # another request is rendering it
            renewing.setattr(caches["pages"], "add", lambda *args, **kwargs: False)
            assert "Subject first" in dana.get(path).content.decode()
        assert "Subject second" in dana.get(path).content.decode()  # this one renders it
    renamed(ticket, "Subject third")
    with later(2 * (settings.TICKETS_PAGE_CACHE_SECONDS + 1) + pagecache.RENEW_SECONDS):  # after the render above
        monkeypatch.setattr(caches["pages"], "add", lambda *args, **kwargs: False)
        assert "Subject third" in dana.get(path).content.decode()  # never older than that


def test_zero_seconds_keeps_nothing(dana, ticket, settings):
    settings.TICKETS_PAGE_CACHE_SECONDS = 0
    dana.get(f"/tickets/{ticket.pk}/")
    renamed(ticket, "Read every time")
    assert "Read every time" in dana.get(f"/tickets/{ticket.pk}/").content.decode()


def test_a_reply_shows_at_once_waiting_and_then_delivered(dana, ticket, worker):
    page = f"/tickets/{ticket.pk}/"
    assert "Waiting to be delivered" not in dana.get(page).content.decode()
    dana.post(f"/tickets/{ticket.pk}/reply/", {"reply": "My own words"})
    waiting = dana.get(page).content.decode()
    assert "Waiting to be delivered" in waiting and "My own words" in waiting
    worker()
    delivered = dana.get(page).content.decode()
    assert "Waiting to be delivered" not in delivered and "My own words" in delivered


def test_a_new_ticket_shows_at_once_in_the_list_waiting_and_then_delivered(dana, worker):
    from .test_submit import technical_data

    assert "A ticket of my own" not in dana.get("/tickets/").content.decode()
    assert dana.post("/tickets/new/", technical_data(subject="A ticket of my own")).status_code == 302
    waiting = dana.get("/tickets/").content.decode()
    assert "A ticket of my own" in waiting and "Waiting to be delivered" in waiting
    worker()
    delivered = dana.get("/tickets/").content.decode()
    assert "A ticket of my own" in delivered and "Waiting to be delivered" not in delivered


def test_a_change_to_one_ticket_drops_its_page_and_the_list_and_keeps_the_others(dana, ticket, worker):
    other = Ticket.objects.filter(customer__email=DEMO).exclude(pk=ticket.pk).order_by("-lastactivity").first()
    pages = {"list": "/tickets/", "this": f"/tickets/{ticket.pk}/", "other": f"/tickets/{other.pk}/"}
    for path in pages.values():
        dana.get(path)
    renamed(ticket, "Subject by staff of this one")
    renamed(other, "Subject by staff of the other")
    dana.post(f"/tickets/{ticket.pk}/reply/", {"reply": "A reply to this one"})
    shown = {name: dana.get(path).content.decode() for name, path in pages.items()}
    assert "A reply to this one" in shown["this"] and "Subject by staff of this one" in shown["this"]
    assert "Subject by staff of this one" in shown["list"]  # read again
    assert "Subject by staff of the other" not in shown["other"] and "A reply to this one" not in shown["other"]
    worker()  # the delivery changes this ticket and the list again, and still not the other
    assert "Waiting to be delivered" not in dana.get(pages["this"]).content.decode()
    assert "Subject by staff of the other" not in dana.get(pages["other"]).content.decode()


def test_a_new_ticket_drops_the_list_and_keeps_the_ticket_pages(dana, ticket):
    from .test_submit import technical_data

    dana.get("/tickets/")
    dana.get(f"/tickets/{ticket.pk}/")
    renamed(ticket, "New subject by staff")
    assert dana.post("/tickets/new/", technical_data(subject="A ticket of my own")).status_code == 302
    listed = dana.get("/tickets/").content.decode()
    assert "A ticket of my own" in listed and "New subject by staff" in listed
    assert "New subject by staff" not in dana.get(f"/tickets/{ticket.pk}/").content.decode()


def test_a_change_of_account_drops_every_page_of_the_customers(dana, ticket):
    paths = ("/tickets/", f"/tickets/{ticket.pk}/")
    for path in paths:
        dana.get(path)
    renamed(ticket, "New subject by staff")
    user = User.objects.get(email=DEMO)
    user.first_name = "Dana"
    user.save()
    assert all("New subject by staff" in dana.get(path).content.decode() for path in paths)


def test_a_write_that_rolls_back_leaves_the_customers_pages_kept(dana, ticket):
    path = f"/tickets/{ticket.pk}/"
    customer_id = User.objects.get(email=DEMO).pk
    renamed(ticket, "Subject kept")
    dana.get(path)
    renamed(ticket, "Subject after the change")
    with pytest.raises(RuntimeError), transaction.atomic():
        pagecache.customer_changed(customer_id)
        raise RuntimeError("the write failed")
    assert "Subject kept" in dana.get(path).content.decode()
    pagecache.customer_changed(customer_id)
    assert "Subject after the change" in dana.get(path).content.decode()


def test_closing_shows_at_once_and_the_message_is_neither_kept_nor_hidden(dana, demo):
    ticket = Ticket.objects.filter(customer__email=DEMO, status__title="Open").first()
    page = f"/tickets/{ticket.pk}/"
    assert "Close ticket" in dana.get(page).content.decode()  # kept
    dana.post(f"/tickets/{ticket.pk}/properties/", {"status": Status.objects.get(title="Closed").pk})
    with_message = dana.get(page).content.decode()
    assert "The ticket was updated." in with_message and "Reopen ticket" in with_message
    again = dana.get(page).content.decode()
    assert "Reopen ticket" in again and "The ticket was updated." not in again


def test_another_customers_writes_leave_this_customers_pages_kept(dana, ticket, newcomer):
    dana.get("/tickets/")
    renamed(ticket, "New subject by staff")
    from .test_submit import technical_data

    newcomer.post("/tickets/new/", technical_data(subject="Someone else wrote"))
    html = dana.get("/tickets/").content.decode()
    assert "New subject by staff" not in html and "Someone else wrote" not in html


def test_a_customer_never_gets_another_customers_page(dana, ticket, newcomer):
    mine = dana.get("/tickets/").content.decode()
    assert ticket.subject in mine
    theirs = newcomer.get("/tickets/").content.decode()
    assert ticket.subject not in theirs and "Dana Demo" not in theirs
    assert dana.get(f"/tickets/{ticket.pk}/").status_code == 200
    assert newcomer.get(f"/tickets/{ticket.pk}/").status_code == 404


def test_each_browser_gets_its_own_token_in_a_kept_page_and_the_reply_form_posts(ticket, worker):
    dana = User.objects.get(email=DEMO)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(dana)
    second.force_login(dana)
    page = f"/tickets/{ticket.pk}/"
    html_one = first.get(page).content.decode()
    renamed(ticket, "Not read again")
    html_two = second.get(page).content.decode()
    assert "Not read again" not in html_two  # the kept page
    assert pagecache.CSRF_MARKER not in html_one + html_two
    (token_one,), (token_two,) = set(TOKEN.findall(html_one)), set(TOKEN.findall(html_two))
    assert token_one != token_two and f'"X-CSRFToken": "{token_two}"' in html_two
    form_token = html_two.split('name="form_token" value="')[1].split('"')[0]
    sent = second.post(f"/tickets/{ticket.pk}/reply/",
                       {"csrfmiddlewaretoken": token_two, "form_token": form_token, "reply": "Posted from a kept page"})
    assert sent.status_code == 302
    worker()
    assert ticket.posts.last().contents == "Posted from a kept page"


def test_a_change_of_name_or_of_reference_data_drops_the_pages(dana, ticket):
    dana.get("/tickets/")
    renamed(ticket, "Seen after the account changed")
    user = User.objects.get(email=DEMO)
    user.first_name = "Danielle"
    user.save()
    html = dana.get("/tickets/").content.decode()
    assert "Danielle" in html and "Seen after the account changed" in html
    renamed(ticket, "Seen after the reference data changed")
    kayako.invalidate("reference")
    assert "Seen after the reference data changed" in dana.get("/tickets/").content.decode()


def open_the_breaker() -> None:
    """Calls time out until the circuit breaker takes the helpdesk for unavailable (hang_helpdesk first)."""
    while not kayako.helpdesk_failing():
        with pytest.raises(kayako.Unavailable):
            kayako.get_total_submitted_tickets(email="nobody@example.com")


def test_no_kept_page_is_served_while_the_breaker_is_open(dana, hang_helpdesk):
    assert NOTICE not in dana.get("/tickets/").content.decode()  # kept
    hang_helpdesk()
    open_the_breaker()
    assert NOTICE in dana.get("/tickets/").content.decode()  # from the copies kept for outages, saying so


def test_a_page_read_from_old_copies_is_not_kept(dana, ticket, hang_helpdesk, monkeypatch, later, settings):
    settings.KAYAKO_BREAKER_FAILURES = 100  # the breaker stays closed: the next page asks the helpdesk again
    with later(-settings.TICKETS_PAGE_CACHE_SECONDS - 1):
        assert NOTICE not in dana.get("/tickets/").content.decode()  # kept, and out of date by now
    hang_helpdesk()
    assert NOTICE in dana.get("/tickets/").content.decode()
    monkeypatch.undo()
    renamed(ticket, "Read live again")
    html = dana.get("/tickets/").content.decode()
    assert NOTICE not in html and "Read live again" in html


def test_a_search_still_gathering_tickets_is_not_kept(dana, ticket, worker):
    assert "still gathering your tickets" in dana.get(f"/tickets/?q={ticket.mask}").content.decode()
    worker()  # the index is complete
    html = dana.get(f"/tickets/?q={ticket.mask}").content.decode()
    assert "still gathering your tickets" not in html and ticket.subject in html
