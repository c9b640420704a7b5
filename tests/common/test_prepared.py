"""common.prepared: a query compiled once answers each call with that call's values, converted
as the ORM converts them, and refuses a value the ORM would change on its way to the SQL."""

import pytest
from django.core.management import call_command
from django.db.models.functions import Lower

from common.prepared import Arg, Prepared
from helpdesk.models import Customer, Status, Ticket, TicketPost

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_data():
    call_command("seed_demo", verbosity=0)


def test_each_call_gets_its_own_values_converted_as_the_orm_converts_them():
    posts = Prepared(lambda a: TicketPost.objects.filter(ticket_id=a.ticket_id).values_list("id", "created", "ishtml"),
                     Arg("ticket_id"))
    tickets = list(Ticket.objects.filter(posts__isnull=False).distinct()[:2])
    assert len(tickets) == 2
    for ticket in tickets:
        expected = list(TicketPost.objects.filter(ticket_id=ticket.pk).values_list("id", "created", "ishtml"))
        assert expected
        assert posts.rows(ticket_id=ticket.pk) == expected  # datetimes and booleans, not SQLite's text and ints
    assert posts.rows(ticket_id=0) == []


def test_a_string_argument_and_a_transform_on_the_column():
    customer = Customer.objects.first()
    by_email = Prepared(lambda a: Customer.objects.alias(email_ci=Lower("email")).filter(email_ci=a.email)
                        .values_list("id"), Arg("email", str))
    assert by_email.rows(email=customer.email.lower()) == [(customer.pk,)]
    assert by_email.rows(email="nobody@example.com") == []


def test_an_argument_the_orm_would_change_is_refused():
    # __iexact sends the value through UPPER()/LIKE escaping: the sentinel never reaches the SQL as given.
    changed = Prepared(lambda a: Customer.objects.filter(email__contains=a.email).values_list("id"), Arg("email", str))
    with pytest.raises(ValueError, match="did not reach the SQL unchanged"):
        changed.rows(email="x")


def test_first_open_prefers_open_and_public_then_open_then_public():
    Status.objects.update(meaning=Status.Meaning.WAITING, ispublic=False)
    last = Status.objects.order_by("-displayorder", "-id").first()
    assert Status.objects.first_open() == Status.objects.order_by("displayorder", "id").first()
    Status.objects.filter(pk=last.pk).update(ispublic=True)
    assert Status.objects.first_open() == last
    first = Status.objects.order_by("displayorder", "id").first()
    Status.objects.filter(pk=first.pk).update(meaning=Status.Meaning.OPEN)
    assert Status.objects.first_open() == first
    Status.objects.filter(pk=last.pk).update(meaning=Status.Meaning.OPEN)
    assert Status.objects.first_open() == last
