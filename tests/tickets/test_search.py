"""Customers search their own tickets by subject words or number (tickets/search.py): a local index
filled by the worker from getSubmittedTickets, refreshed when they sign in, search, or have
something delivered."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.models import Customer, Department, Priority, Ticket
from tickets import search
from tickets.models import IndexedTicket, TicketIndexState

from .conftest import DEMO, customer, signed_in


@pytest.fixture
def helpdesk(embedded_helpdesk):
    return embedded_helpdesk


def masks(html: str) -> list[str]:
    return re.findall(r">([A-Z]{3}-\d{6})</a>", html)


def demo_tickets():
    return Ticket.objects.filter(customer__email=DEMO)


def test_the_first_search_queues_the_index_and_the_worker_fills_it(dana, worker):
    ticket = demo_tickets().order_by("id").first()
    html = dana.get("/tickets/", {"q": ticket.mask.lower()}).content.decode()
    assert "0 tickets match" in html and "still gathering your tickets" in html
    worker()
    assert IndexedTicket.objects.filter(email=DEMO).count() == demo_tickets().count()
    html = dana.get("/tickets/", {"q": ticket.mask.lower()}).content.decode()
    assert masks(html) == [ticket.mask] and "1 ticket matches" in html and "still gathering" not in html


def test_every_word_of_the_subject_in_any_case_newest_activity_first(dana, worker):
    search.refresh(DEMO)
    first, second = demo_tickets().order_by("id")[:2]
    Ticket.objects.filter(pk=first.pk).update(subject="Printer prints blank pages")
    Ticket.objects.filter(pk=second.pk).update(subject="Blank invoice from the PRINTER")
    search.refresh(DEMO)
    html = dana.get("/tickets/", {"q": "printer BLANK"}).content.decode()
    expected = [t.mask for t in Ticket.objects.filter(pk__in=[first.pk, second.pk]).order_by("-lastactivity", "-id")]
    assert masks(html) == expected and "2 tickets match" in html
    assert masks(dana.get("/tickets/", {"q": "printer invoice"}).content.decode()) == [second.mask]


def test_search_keeps_the_lists_filters_order_and_pages(dana):
    search.refresh(DEMO)
    Ticket.objects.filter(customer__email=DEMO).update(subject="Same words everywhere")
    search.refresh(DEMO)
    assert demo_tickets().count() == 30
    response = dana.get("/tickets/", {"q": "words", "page": 9})
    assert response.status_code == 302 and response["Location"] == "/tickets/?q=words&page=3"
    seen = []
    for page in (1, 2, 3):
        seen += masks(dana.get("/tickets/", {"q": "words", "page": page, "sort": "lastreplier",
                                             "order": "asc"}).content.decode())
    assert seen == list(demo_tickets().order_by("lastreplier", "-id").values_list("mask", flat=True))
    status = demo_tickets().first().status
    html = dana.get("/tickets/", {"q": "words", "status": status.pk, "per_page": 50}).content.decode()
    assert set(masks(html)) == set(demo_tickets().filter(status=status).values_list("mask", flat=True))


def test_customers_find_only_their_own_tickets(demo, worker):
    search.refresh(DEMO)
    other = signed_in(customer("someone.else@example.com", "Someone Else"))
    ticket = demo_tickets().first()
    assert masks(other.get("/tickets/", {"q": ticket.mask}).content.decode()) == []
    assert masks(other.get("/tickets/", {"q": ticket.subject}).content.decode()) == []


def test_a_later_refresh_reads_only_what_changed_and_a_full_one_drops_removed_tickets(demo, monkeypatch):
    import kayako

    calls = []
    real = kayako.get_submitted_tickets
    monkeypatch.setattr(search, "REFRESH_PAGE", 10)
    monkeypatch.setattr(kayako, "get_submitted_tickets", lambda **kw: calls.append(kw["page"]) or real(**kw))
    search.refresh(DEMO)
    assert calls == [1, 2, 3, 4]  # 30 tickets: three full pages and an empty one
    calls.clear()
    search.refresh(DEMO)
    assert calls == [1]  # nothing active since: the first page is older than the last refresh
    gone = demo_tickets().order_by("id").first()
    gone.delete()
    TicketIndexState.objects.filter(email=DEMO).update(refreshed=timezone.now() - timedelta(days=2))
    search.refresh(DEMO)
    assert not IndexedTicket.objects.filter(pk=gone.pk).exists()
    assert IndexedTicket.objects.filter(email=DEMO).count() == 29


def test_a_later_refresh_reads_a_small_page_and_goes_on_in_large_ones_when_much_changed(demo, monkeypatch):
    import kayako

    calls = []
    real = kayako.get_submitted_tickets
    monkeypatch.setattr(search, "REFRESH_PAGE", 10)
    monkeypatch.setattr(search, "INCREMENTAL_PAGE", 5)
    monkeypatch.setattr(kayako, "get_submitted_tickets",
                        lambda **kw: calls.append((kw["page"], kw["num_per_page"])) or real(**kw))
    search.refresh(DEMO)
    calls.clear()
    search.refresh(DEMO)
    assert calls == [(1, 5)]  # nothing changed: one small page
    calls.clear()
    demo_tickets().update(lastactivity=timezone.now())  # all 30 active since the last refresh
    search.refresh(DEMO)
    assert calls == [(1, 5), (1, 10), (2, 10), (3, 10), (4, 10)]


def test_signing_in_and_a_delivered_ticket_refresh_the_index(demo, client, worker):
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(email=DEMO))
    worker()
    assert IndexedTicket.objects.filter(email=DEMO).count() == 30
    client.post("/tickets/new/", {"department": Department.objects.get(title="Billing").pk,
                                  "priority": Priority.objects.filter(ispublic=True).first().pk,
                                  "subject": "Flux capacitor overheats", "message": "It smells."})
    worker()
    assert IndexedTicket.objects.filter(email=DEMO, subject="Flux capacitor overheats").exists()
    assert Customer.objects.get(email=DEMO).tickets.count() == 31


def test_short_words_and_the_wildcards_of_like_are_plain_text(dana):
    first = demo_tickets().order_by("id").first()
    Ticket.objects.filter(pk=first.pk).update(subject="Printer at 100% prints blank_pages")
    search.refresh(DEMO)
    for query, found in [("at printer", [first.mask]), ("pr BL", [first.mask]), ("100%", [first.mask]),
                         ("blank_pages", [first.mask]), ("%", []), ("_ %", [])]:
        assert masks(dana.get("/tickets/", {"q": query}).content.decode()) == found, query
