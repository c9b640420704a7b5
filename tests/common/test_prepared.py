"""common.prepared: a query compiled once answers each call with that call's values, converted
as the ORM converts them, and refuses a value the ORM would change on its way to the SQL; an INSERT
compiled once saves each row as Model.save would."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Lower, Upper
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.prepared import Arg, Prepared, PreparedInsert
from helpdesk.models import Customer, Status, Ticket, TicketPost
from tickets.models import OutboxEntry

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


# --- PreparedInsert -------------------------------------------------------------------------------

NEXT_ATTEMPT = timezone.now()


def outbox_entry(**fields) -> OutboxEntry:
    values = {"kind": OutboxEntry.Kind.TICKET, "owner": "user:7", "email": "dana@example.com", "full_name": "Dana",
              "department_id": 3, "priority_id": 1, "subject": "Sync", "message": "It fails.\nTwice.",
              "customs": {"12": ["a", "b"], "13": "4.2"}, "next_attempt_at": NEXT_ATTEMPT, **fields}
    return OutboxEntry(**values)


def stored(entry: OutboxEntry) -> dict:
    row = OutboxEntry.objects.filter(pk=entry.pk).values().get()
    return {name: value for name, value in row.items() if name not in {"id", "reference", "form_token"}}


def test_a_row_inserted_is_the_row_the_orm_saves():
    ours, orms = outbox_entry(form_token="ours"), outbox_entry(form_token="orms")
    before = timezone.now()
    PreparedInsert(OutboxEntry).save(ours)
    orms.save(force_insert=True)
    assert ours.pk and ours._state.adding is False and ours._state.db == "default"
    assert ours.created >= before and ours.updated >= before  # auto_now_add and auto_now, as save() sets them
    ours_row, orms_row = stored(ours), stored(orms)
    assert ours_row.pop("created") == ours.created and ours_row.pop("updated") == ours.updated
    orms_row.pop("created"), orms_row.pop("updated")
    assert ours_row == orms_row
    assert OutboxEntry.objects.get(pk=ours.pk).customs == {"12": ["a", "b"], "13": "4.2"}


def test_each_insert_has_its_own_values_and_id():
    insert = PreparedInsert(OutboxEntry)
    first, second = outbox_entry(subject="First", parent=None), outbox_entry(subject="Second")
    insert.save(first)
    second.parent = first
    insert.save(second)
    assert second.pk != first.pk
    assert OutboxEntry.objects.get(pk=second.pk).subject == "Second"
    assert OutboxEntry.objects.get(pk=second.pk).parent_id == first.pk


def test_a_unique_value_taken_fails_in_its_transaction_and_leaves_nothing():
    insert = PreparedInsert(OutboxEntry)
    insert.save(outbox_entry(form_token="token-1"))
    count = OutboxEntry.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert.save(outbox_entry(form_token="token-1"))
    assert OutboxEntry.objects.count() == count


def test_the_save_signals_are_sent():
    seen = []

    def before(sender, instance, **kwargs):
        seen.append(("pre", instance.pk))

    def after(sender, instance, created, **kwargs):
        seen.append(("post", instance.pk, created))

    pre_save.connect(before, sender=OutboxEntry)
    post_save.connect(after, sender=OutboxEntry)
    try:
        entry = outbox_entry()
        PreparedInsert(OutboxEntry).save(entry)
    finally:
        pre_save.disconnect(before, sender=OutboxEntry)
        post_save.disconnect(after, sender=OutboxEntry)
    assert seen == [("pre", None), ("post", entry.pk, True)]


def test_prepared_the_insert_waits_to_be_run_with_the_values_it_had():
    entry = outbox_entry(subject="Prepared")
    with CaptureQueriesContext(connection) as queries:
        insert = PreparedInsert(OutboxEntry).prepare(entry)
    assert queries.captured_queries == [] and entry.pk is None
    entry.subject = "Changed after"  # the values were taken when it was prepared
    with CaptureQueriesContext(connection) as queries:
        insert()
    assert [query["sql"].split(" (")[0] for query in queries.captured_queries] == ['INSERT INTO "tickets_outboxentry"']
    assert entry.pk and entry._state.adding is False
    assert OutboxEntry.objects.get(pk=entry.pk).subject == "Prepared"


def test_a_value_that_is_not_a_plain_parameter_is_refused():
    insert = PreparedInsert(OutboxEntry)
    for subject in (Upper(Value("sync")), Value("sync")):  # before the INSERT is compiled, and after
        with pytest.raises(ValueError, match="not a plain parameter"):
            insert.save(outbox_entry(subject=subject))
        insert.save(outbox_entry())
    assert not OutboxEntry.objects.exclude(subject="Sync").exists()


def test_a_row_with_an_id_already_is_refused():
    with pytest.raises(ValueError, match="has an id already"):
        PreparedInsert(OutboxEntry).save(outbox_entry(id=123456))
    assert not OutboxEntry.objects.filter(pk=123456).exists()


def test_a_failed_insert_marks_its_block_for_rollback():
    insert = PreparedInsert(OutboxEntry)
    insert.save(outbox_entry(form_token="token-2"))
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            insert.save(outbox_entry(form_token="token-2"))
        assert transaction.get_connection().needs_rollback  # the block ends rolled back, not committed
