import re

import pytest

from helpdesk.models import Department, Status, Ticket
from tickets.selectors import _window

from .conftest import DEMO, customer, signed_in


def masks(html: str) -> list[str]:
    return re.findall(r">([A-Z]{3}-\d{6})</a>", html)


def test_first_page_with_page_count_and_badges(dana):
    response = dana.get("/tickets/")
    html = response.content.decode()
    assert response.status_code == 200
    expected = list(Ticket.objects.filter(customer__email=DEMO).order_by("-lastactivity", "-id")
                    .values_list("mask", flat=True)[:10])
    assert masks(html) == expected
    assert "30 tickets" in html and 'rel="next"' in html and 'rel="prev"' not in html
    assert page_numbers(html) == (1, [1, 2, 3])
    assert 'class="badge badge-colour badge-status-' in html
    assert re.search(r'<time datetime="20\d\d-[^"]+" title="[A-Z][a-z]+\.? \d+, 20\d\d, ', html)  # "Dec. 1, 2026, 5:51 a.m."


@pytest.mark.parametrize("sort,column", [
    ("lastactivity", "lastactivity"), ("lastreplier", "lastreplier"), ("ticketstatusid", "status_id"),
    ("priorityid", "priority_id"), ("departmentid", "department_id")])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_every_sort_key_in_both_directions(dana, sort, column, order):
    html = dana.get("/tickets/", {"sort": sort, "order": order, "per_page": 50}).content.decode()
    prefix = "" if order == "asc" else "-"
    expected = list(Ticket.objects.filter(customer__email=DEMO).order_by(prefix + column, prefix + "id")
                    .values_list("mask", flat=True))
    assert masks(html) == expected
    assert 'aria-sort="{}"'.format("ascending" if order == "asc" else "descending") in html


def test_pages_and_page_sizes(dana):
    seen = []
    for page in (1, 2, 3):
        seen += masks(dana.get("/tickets/", {"page": page, "per_page": 10}).content.decode())
    assert len(seen) == len(set(seen)) == 30
    last = dana.get("/tickets/", {"page": 2, "per_page": 25}).content.decode()
    assert len(masks(last)) == 5 and page_numbers(last) == (2, [1, 2]) and 'rel="next"' not in last


def page_numbers(html: str) -> tuple[int, list[int]]:
    """(the current page, every page number linked or shown) of the pagination."""
    numbers = [int(n) for n in re.findall(r'<span class="visually-hidden">Page </span>(\d+)<', html)]
    current = re.search(r'aria-current="page"><span class="page-link"><span class="visually-hidden">Page </span>(\d+)<',
                        html)
    return int(current.group(1)), numbers


def test_a_page_past_the_end_redirects_to_the_last_page(dana):
    response = dana.get("/tickets/", {"page": 999, "per_page": 10, "sort": "lastreplier"})
    assert response.status_code == 302
    assert response["Location"] == "/tickets/?per_page=10&sort=lastreplier&page=3"
    assert page_numbers(dana.get(response["Location"]).content.decode()) == (3, [1, 2, 3])


def test_page_numbers_around_the_current_page_with_gaps(rf):
    from tickets.selectors import TicketPage
    from tickets.views import _page_links

    links = _page_links(rf.get("/tickets/", {"sort": "lastreplier", "page": "5"}), TicketPage((), 5, 10, True, 100))
    assert [link["number"] for link in links] == [1, None, 3, 4, 5, 6, 7, None, 10]
    assert [link["current"] for link in links if link["number"]] == [False] * 3 + [True] + [False] * 3
    assert links[-1]["query"] == "sort=lastreplier&page=10"


def test_filters_and_the_extra_row_for_the_next_page(dana):
    status = Status.objects.get(title="Open")
    department = Department.objects.get(title="General")
    expected = list(Ticket.objects.filter(customer__email=DEMO, status=status).order_by("-lastactivity", "-id")
                    .values_list("mask", flat=True))
    assert len(expected) > 5
    shown = []
    page = 1
    while True:
        html = dana.get("/tickets/", {"status": status.pk, "per_page": 10, "page": page}).content.decode()
        shown += masks(html)
        if 'rel="next"' not in html:
            break
        page += 1
    assert shown == expected
    html = dana.get("/tickets/", {"department": department.pk, "status": status.pk}).content.decode()
    assert masks(html) == list(Ticket.objects.filter(customer__email=DEMO, status=status, department=department)
                               .order_by("-lastactivity", "-id").values_list("mask", flat=True)[:10])


def test_date_filters(dana):
    tickets = Ticket.objects.filter(customer__email=DEMO).order_by("startdate")
    since = tickets[20].startdate.date()
    html = dana.get("/tickets/", {"created_from": since.isoformat(), "per_page": 50}).content.decode()
    expected = {t.mask for t in tickets if t.startdate.date() >= since}
    assert set(masks(html)) == expected
    html = dana.get("/tickets/", {"activity_to": "2000-01-01"}).content.decode()
    assert "No tickets match these filters." in html
    due = Ticket.objects.filter(customer__email=DEMO, duetime__isnull=False).order_by("duetime").first()
    html = dana.get("/tickets/", {"due_from": due.duetime.date().isoformat(), "due_to": due.duetime.date().isoformat(),
                                  "per_page": 50}).content.decode()
    assert due.mask in masks(html)


@pytest.mark.parametrize("query", [
    {"sort": "evil"}, {"page": "-1"}, {"page": "abc"}, {"per_page": "1000"}, {"created_from": "not-a-date"},
    {"status": "999999"}, {"order": "sideways"}, {"due_from": "2026-02-01", "due_to": "2026-01-01"},
])
def test_invalid_values_are_form_errors_never_a_500(dana, query):
    response = dana.get("/tickets/", query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "were not valid and were left out" in html
    assert len(masks(html)) == 10


def test_with_filters_a_page_past_the_end_is_empty_not_an_error(dana):
    # Filtered, the number of pages is unknown (the API counts only all of a customer's tickets).
    response = dana.get("/tickets/", {"page": 99, "status": Status.objects.get(title="Open").pk})
    assert response.status_code == 200 and masks(response.content.decode()) == []


def test_a_customer_unknown_to_the_helpdesk_sees_an_empty_state(newcomer):
    html = newcomer.get("/tickets/").content.decode()
    assert "You have no tickets yet" in html and 'href="/tickets/new/"' in html


def test_sign_in_and_verified_email_are_required(demo, client):
    response = client.get("/tickets/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    unverified = signed_in(customer("unverified@example.com", verified=False))
    response = unverified.get("/tickets/")
    assert response.status_code == 302 and response["Location"] == "/accounts/email/"


def test_badges_css_uses_helpdesk_colours_with_readable_text(dana):
    css = dana.get("/tickets/badges.css").content.decode()
    closed = Status.objects.get(title="Closed")
    assert f".badge-status-{closed.pk} {{ background-color: #CF5D60; color: #000000; }}" in css


@pytest.mark.parametrize("page,per_page", [(1, 10), (2, 10), (3, 10), (7, 25), (100, 50), (2, 50)])
def test_the_window_covers_the_page_and_one_more_row(page, per_page):
    size, api_page, skip = _window(page, per_page)
    first = (api_page - 1) * size
    assert first + skip == (page - 1) * per_page
    assert first + size >= page * per_page + 1
