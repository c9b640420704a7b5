"""The outbox: every ticket and reply reaches the helpdesk exactly once, whatever happens on the
way. The helpdesk is the live embedded one, reached over SOAP; the worker runs here (`worker`),
and `later` moves the clock instead of waiting."""

import re
import socket
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

import kayako
from helpdesk.models import Attachment, Ticket
from helpdesk.soap import views as helpdesk_soap
from tickets import outbox, search
from tickets.models import REFERENCE_ALPHABET, IndexedTicket, OutboxEntry, StagedUpload, new_reference

from .conftest import DEMO
from .test_submit import technical_data


class WorkerKilled(BaseException):
    """Stands for the worker process dying: nothing of the portal's code runs after it."""


def demo_ticket() -> Ticket:
    return Ticket.objects.filter(customer__email=DEMO).order_by("id").first()


def slow_after_commit(monkeypatch, operation: str, seconds: float) -> None:
    """The helpdesk does the work and commits, then answers too late for the portal."""
    original = helpdesk_soap.OPERATIONS[operation]

    def slow(**params):
        result = original(**params)
        time.sleep(seconds)
        return result

    monkeypatch.setitem(helpdesk_soap.OPERATIONS, operation, slow)


@pytest.mark.embedded_helpdesk_only  # the embedded helpdesk is slowed from inside
def test_a_timeout_after_the_helpdesk_committed_creates_no_duplicate(dana, worker, later, monkeypatch, settings):
    before = Ticket.objects.count()
    response = dana.post("/tickets/new/", {**technical_data(message="Only once, please"),
                                           "attachments": [SimpleUploadedFile("a.txt", b"aaa")]})
    # Only the delivery times out: the form's own reads keep the usual timeout on a busy machine.
    settings.KAYAKO_OPERATION_TIMEOUT = 0.5
    slow_after_commit(monkeypatch, "submitTicket", 1.0)
    worker()
    entry = OutboxEntry.objects.get()
    created = Ticket.objects.latest("id")
    assert Ticket.objects.count() == before + 1 and created.posts.get().contents == "Only once, please"
    assert entry.status == "queued" and entry.unknown_since is not None and "timed out" in entry.last_error
    monkeypatch.undo()
    with later(5):
        worker()
    entry.refresh_from_db()
    assert Ticket.objects.count() == before + 1
    assert (entry.status, entry.ticket_id, entry.ticket_mask) == ("delivered", created.pk, created.mask)
    assert not StagedUpload.objects.exists()
    assert dana.get(response["Location"])["Location"] == f"/tickets/{created.pk}/"


@pytest.mark.embedded_helpdesk_only  # the embedded helpdesk is slowed from inside
def test_a_reply_timed_out_after_the_helpdesk_committed_is_not_posted_twice(dana, worker, later, monkeypatch,
                                                                            settings):
    ticket = demo_ticket()
    before = ticket.posts.count()
    dana.post(f"/tickets/{ticket.pk}/reply/", {"reply": "Thanks!"})
    settings.KAYAKO_OPERATION_TIMEOUT = 0.5
    slow_after_commit(monkeypatch, "postTicketReply", 1.0)
    worker()
    assert ticket.posts.count() == before + 1 and OutboxEntry.objects.get().unknown_since is not None
    monkeypatch.undo()
    with later(5):
        worker()
    assert ticket.posts.count() == before + 1 and OutboxEntry.objects.get().status == "delivered"
    # The same words sent again on purpose are a new reply: the lookup counts what was delivered.
    dana.post(f"/tickets/{ticket.pk}/reply/", {"reply": "Thanks!"})
    OutboxEntry.objects.filter(status="queued").update(unknown_since=OutboxEntry.objects.get(status="delivered").created)
    worker()
    assert list(ticket.posts.order_by("id").values_list("contents", flat=True))[-2:] == ["Thanks!", "Thanks!"]


def test_a_refused_reply_is_shown_with_its_text_kept(dana, worker, monkeypatch):
    ticket = demo_ticket()

    def refuse(**kwargs):
        raise kayako.Rejected(kayako.ErrorCode.ATTACHMENT_FETCH_FAILED, "postTicketReply")

    monkeypatch.setattr(kayako, "post_ticket_reply", refuse)
    response = dana.post(f"/tickets/{ticket.pk}/reply/", {
        "reply": "Here is the log", "attachments": [SimpleUploadedFile("log.txt", b"log")]})
    worker()
    message = str(kayako.ERROR_CODES[kayako.ErrorCode.ATTACHMENT_FETCH_FAILED][1])
    page = dana.get(response["Location"]).content.decode()
    assert "Your reply was not accepted" in page and message in page
    thread = dana.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Not accepted" in thread and "Here is the log" in thread
    edit = dana.get(f"{response['Location']}edit/").content.decode()
    assert "Here is the log</textarea>" in edit and message in edit.split('id="id_attachments"')[1]
    assert len(mail.outbox) == 1 and message in mail.outbox[0].body
    monkeypatch.undo()
    staged = StagedUpload.objects.get()
    dana.post(f"{response['Location']}edit/", {"reply": "Here is the log, again", "staged": [staged.token]})
    worker()
    post = ticket.posts.last()
    assert post.contents == "Here is the log, again" and post.attachments.get().name == "log.txt"


def test_a_refusal_is_told_in_the_language_the_reply_was_written_in(dana, worker, monkeypatch):
    ticket = demo_ticket()

    def refuse(**kwargs):
        raise kayako.Rejected(kayako.ErrorCode.EMPTY_REPLY, "postTicketReply")

    monkeypatch.setattr(kayako, "post_ticket_reply", refuse)
    response = dana.post(f"/tickets/{ticket.pk}/reply/", {"reply": "Voici le journal"}, headers={"accept-language": "fr"})
    worker()  # the worker's own language is the site's: English
    [message] = [m for m in mail.outbox if m.to == [DEMO]]
    assert message.subject == "Nous n’avons pas pu transmettre votre réponse"
    assert "Notre système d’assistance n’a pas accepté votre réponse" in message.body
    assert "Rédigez une réponse avant de l’envoyer." in message.body
    page = dana.get(response["Location"], headers={"accept-language": "fr"}).content.decode()
    assert "Votre réponse n’a pas été acceptée" in page and "Rédigez une réponse avant de l’envoyer." in page


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.embedded_helpdesk_only  # the embedded helpdesk's confirmation mail is counted
def test_the_helpdesk_down_for_an_hour(dana, worker, later, settings, monkeypatch):
    before = Ticket.objects.count()
    response = dana.post("/tickets/new/", technical_data(message="Sent as the outage began"))
    assert response.status_code == 302
    live_url = settings.KAYAKO_API_URL
    settings.KAYAKO_API_URL = f"http://127.0.0.1:{closed_port()}/integrationapi/index.php"  # nothing listens
    for minutes in range(0, 60, 10):
        with later(minutes * 60):
            worker()
    entry = OutboxEntry.objects.get()
    assert entry.status == "queued" and 3 <= entry.attempts <= 6 and Ticket.objects.count() == before
    # No connection was ever made: nothing can have been sent, so nothing is looked up before sending.
    assert entry.unknown_since is None and "not reachable" in entry.last_error
    monkeypatch.setattr(outbox, "_find_ticket", lambda entry: pytest.fail("looked up after a refused connection"))
    with later(50 * 60):
        page = dana.get(response["Location"]).content.decode()
    assert "has not answered yet" in page and "an email will follow" in page and entry.reference in page
    settings.KAYAKO_API_URL = live_url
    with later(65 * 60):
        worker()
    entry.refresh_from_db()
    assert entry.status == "delivered" and Ticket.objects.count() == before + 1
    assert Ticket.objects.latest("id").posts.get().contents == "Sent as the outage began"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [DEMO]  # the helpdesk's confirmation, once


@pytest.mark.parametrize("dies", ["after the helpdesk committed", "before the request went out"])
def test_the_worker_killed_in_the_middle_of_a_delivery(dana, worker, later, monkeypatch, settings, dies):
    real_submit = kayako.submit_ticket

    def killed(**params):
        if dies == "after the helpdesk committed":
            real_submit(**params)
        raise WorkerKilled

    monkeypatch.setattr(kayako, "submit_ticket", killed)
    before = Ticket.objects.count()
    dana.post("/tickets/new/", {**technical_data(), "attachments": [SimpleUploadedFile("a.txt", b"aaa")]})
    worker()
    entry = OutboxEntry.objects.get()
    assert entry.status == "delivering"  # left as the dead worker had it
    monkeypatch.undo()
    with later(settings.OUTBOX_CLAIM_SECONDS - 5):
        outbox.sweep()
        worker()
    assert OutboxEntry.objects.get().status == "delivering"  # a live worker may still be at it
    with later(settings.OUTBOX_CLAIM_SECONDS + 5):
        outbox.sweep()
        worker()
    entry.refresh_from_db()
    assert entry.status == "delivered" and Ticket.objects.count() == before + 1
    assert Attachment.objects.filter(ticket_id=entry.ticket_id, name="a.txt").count() == 1


def test_a_reply_to_a_ticket_that_is_still_pending(dana, worker, later, monkeypatch):
    def down(**kwargs):
        raise kayako.Unavailable("down")

    monkeypatch.setattr(kayako, "submit_ticket", down)
    sent = dana.post("/tickets/new/", technical_data(message="The problem"))["Location"]
    worker()
    fresh = dana.get(sent).content.decode()
    assert '<meta http-equiv="refresh"' in fresh and "Add a reply" not in fresh  # refreshing, so no form yet
    with later(120):
        page = dana.get(sent).content.decode()
        assert "Add a reply" in page and '<meta http-equiv="refresh"' not in page
        for words in ("More details", "And a screenshot"):
            files = {"attachments": [SimpleUploadedFile("shot.png", b"png", content_type="image/png")]} if \
                words.startswith("And") else {}
            assert dana.post(f"{sent}reply/", {"reply": words, **files})["Location"] == sent
        worker()  # the replies wait for their ticket
        page = dana.get(sent).content.decode()
    assert "More details" in page and "And a screenshot" in page
    assert OutboxEntry.objects.filter(kind="reply", status="queued", ticket_id=None).count() == 2
    monkeypatch.undo()
    with later(300):
        worker()
    ticket = Ticket.objects.latest("id")
    assert list(ticket.posts.order_by("id").values_list("contents", flat=True)) == [
        "The problem", "More details", "And a screenshot"]
    assert ticket.posts.order_by("id").last().attachments.get().name == "shot.png"
    assert set(OutboxEntry.objects.values_list("status", "ticket_id")) == {("delivered", ticket.pk)}


def test_two_workers_never_claim_the_same_entry(dana, monkeypatch):
    monkeypatch.setattr(outbox, "CLAIM_BATCH", 2)
    for subject in ("First", "Second", "Third"):
        dana.post("/tickets/new/", technical_data(subject=subject))
    first, second, third = OutboxEntry.objects.order_by("pk")
    assert [entry.pk for entry in outbox._claim_batch()] == [first.pk, second.pk]  # the oldest
    assert [entry.pk for entry in outbox._claim_batch()] == [third.pk]
    assert outbox._claim_batch() == []


def test_a_batch_cut_short_by_an_outage_leaves_the_rest_queued_as_it_was(dana, worker, later, monkeypatch):
    for subject in ("First", "Second", "Third"):
        dana.post("/tickets/new/", technical_data(subject=subject))
    helpdesk_down(monkeypatch)
    worker()
    first, *rest = OutboxEntry.objects.order_by("pk")
    assert (first.status, first.attempts) == ("queued", 1) and first.next_attempt_at > timezone.now()
    assert [(e.status, e.attempts, e.claim, e.unknown_since) for e in rest] == [("queued", 0, "", None)] * 2
    assert all(e.next_attempt_at <= timezone.now() for e in rest)  # due as soon as the helpdesk answers
    monkeypatch.undo()
    with later(60):
        worker()
    assert sorted(Ticket.objects.filter(subject__in=["First", "Second", "Third"]).values_list("subject", flat=True)) \
        == ["First", "Second", "Third"]
    assert set(OutboxEntry.objects.values_list("status", "attempts")) == {("delivered", 1), ("delivered", 2)}


def tasks_run(path: str) -> int:
    return DBTaskResult.objects.filter(task_path=path).count()


def helpdesk_down(monkeypatch) -> None:
    def down(**kwargs):
        raise kayako.Unavailable("down")

    monkeypatch.setattr(kayako, "submit_ticket", down)
    monkeypatch.setattr(kayako, "post_ticket_reply", down)


def test_a_backlog_is_drained_in_order_with_replies_after_their_ticket(dana, worker, later, monkeypatch):
    helpdesk_down(monkeypatch)
    old = demo_ticket()
    posts_before = old.posts.count()
    first = dana.post("/tickets/new/", technical_data(subject="First", message="First problem"))["Location"]
    worker()  # the helpdesk is down: one attempt, then delivery pauses
    assert OutboxEntry.objects.get().status == "queued"
    with later(60):
        assert dana.post(f"{first}reply/", {"reply": "About the first"})["Location"] == first
        dana.post(f"/tickets/{old.pk}/reply/", {"reply": "One"})
        dana.post("/tickets/new/", technical_data(subject="Second", message="Second problem"))
        dana.post(f"/tickets/{old.pk}/reply/", {"reply": "Two"})
        dana.post(f"{first}reply/", {"reply": "More about the first"})
    monkeypatch.undo()
    with later(120):
        worker()
    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {"delivered"}
    # Not a task per entry: the first store's drain, the retry's, and the companion the retry's asked for.
    assert tasks_run("tickets.tasks.drain") == 3
    new = list(Ticket.objects.filter(subject__in=["First", "Second"]).order_by("id"))
    assert [t.subject for t in new] == ["First", "Second"]  # oldest first
    assert list(new[0].posts.order_by("id").values_list("contents", flat=True)) == [
        "First problem", "About the first", "More about the first"]
    assert list(old.posts.order_by("id").values_list("contents", flat=True))[posts_before:] == ["One", "Two"]


def test_while_the_helpdesk_is_down_delivery_pauses_and_its_return_wakes_the_waiting(dana, worker, later,
                                                                                     monkeypatch):
    helpdesk_down(monkeypatch)
    for subject in ("Tried", "Not tried yet", "Nor this one"):
        dana.post("/tickets/new/", technical_data(subject=subject))
    worker()
    assert dict(OutboxEntry.objects.values_list("subject", "attempts")) == {
        "Tried": 1, "Not tried yet": 0, "Nor this one": 0}  # one failure pauses the drain
    # As if it had failed for long: waiting out the longest back-off.
    OutboxEntry.objects.filter(subject="Tried").update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    monkeypatch.undo()
    with later(2):
        worker()  # the first delivery after the pause wakes it
    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {"delivered"}
    assert Ticket.objects.filter(subject="Tried").count() == 1


def test_two_drains_never_deliver_one_entry_twice(dana, worker, monkeypatch):
    real_submit = kayako.submit_ticket
    nested = []

    def submit_while_another_worker_drains(**params):
        if not nested:  # a second worker drains while this one's call is under way
            nested.append(params["subject"])
            outbox.drain()
        return real_submit(**params)

    monkeypatch.setattr(kayako, "submit_ticket", submit_while_another_worker_drains)
    subjects = [f"Parallel {n}" for n in range(4)]
    for subject in subjects:
        dana.post("/tickets/new/", technical_data(subject=subject))
    worker()
    assert nested == ["Parallel 0"]
    assert sorted(Ticket.objects.filter(subject__startswith="Parallel").values_list("subject", flat=True)) == subjects
    assert set(OutboxEntry.objects.values_list("status", "attempts")) == {("delivered", 1)}


def test_a_customers_deliveries_queue_one_refresh_of_their_index_reading_one_small_page(dana, worker, monkeypatch):
    worker()  # the index filled (the sign-in asked for it)
    pages = []
    real = kayako.get_submitted_tickets
    monkeypatch.setattr(kayako, "get_submitted_tickets",
                        lambda **kw: pages.append((kw["page"], kw["num_per_page"])) or real(**kw))
    refreshes_before = tasks_run("tickets.tasks.refresh_ticket_index")
    for subject in ("Index one", "Index two", "Index three"):
        dana.post("/tickets/new/", technical_data(subject=subject))
    worker()
    assert OutboxEntry.objects.filter(status="delivered").count() == 3
    assert tasks_run("tickets.tasks.refresh_ticket_index") - refreshes_before == 1
    assert pages == [(1, search.INCREMENTAL_PAGE)]
    assert IndexedTicket.objects.filter(subject__startswith="Index ").count() == 3


def test_a_drain_that_fails_leaves_the_rest_of_its_batch_queued_as_it_was(dana, monkeypatch):
    for subject in ("First", "Second", "Third"):
        dana.post("/tickets/new/", technical_data(subject=subject))

    def broken(entry):
        raise RuntimeError("the database went away while writing the outcome")

    monkeypatch.setattr(outbox, "_deliver", broken)
    with pytest.raises(RuntimeError):
        outbox.drain()
    first, *rest = OutboxEntry.objects.order_by("pk")
    assert first.status == "delivering"  # its outcome unknown: the sweep takes it up (and looks it up)
    assert [(e.status, e.attempts, e.claim, e.unknown_since) for e in rest] == [("queued", 0, "", None)] * 2


def test_the_follow_ups_of_deliveries_wait_behind_the_drains_of_a_backlog(dana, worker):
    worker()  # the index filled (the sign-in asked for it)
    earlier = list(DBTaskResult.objects.values_list("id", flat=True))
    ticket = Ticket.objects.filter(customer__email=DEMO).latest("id")
    dana.post(f"/tickets/{ticket.pk}/reply/", {"reply": "Backlog reply"})
    for subject in ("Backlog one", "Backlog two", "Backlog three"):
        dana.post("/tickets/new/", technical_data(subject=subject))
    worker()
    assert OutboxEntry.objects.filter(status="delivered").count() == 4
    ran = list(DBTaskResult.objects.exclude(id__in=earlier).filter(task_path__startswith="tickets.").order_by("started_at", "enqueued_at").values_list("task_path", flat=True))
    # the first delivery asked for its follow-ups before the drain asked for its companion: that one ran first
    assert ran.count("tickets.tasks.drain") >= 2
    assert sorted(ran[ran.index("tickets.tasks.drain", 1) + 1:]) == [
        "tickets.tasks.refresh_ticket_index", "tickets.tasks.reopen_if_closed"]
    assert IndexedTicket.objects.filter(subject__startswith="Backlog ").count() == 3


def test_undelivered_after_a_day_is_flagged_to_staff_and_customer(dana, worker, later, settings, monkeypatch):
    settings.MANAGERS = [("Support", "managers@example.com")]

    def down(**kwargs):
        raise kayako.Unavailable("down")

    monkeypatch.setattr(kayako, "submit_ticket", down)
    dana.post("/tickets/new/", technical_data())
    worker()
    with later(23 * 3600):
        outbox.sweep()
    assert not mail.outbox
    with later(24 * 3600 + 60):
        outbox.sweep()
        outbox.sweep()  # once only
    entry = OutboxEntry.objects.get()
    assert entry.flagged_at is not None and entry.status == "queued"
    staff, customer = sorted(mail.outbox, key=lambda m: m.to[0] != "managers@example.com")
    assert staff.to == ["managers@example.com"] and entry.reference in staff.body and "down" in staff.body
    assert customer.to == [DEMO] and entry.reference in customer.body
    admin_page = "/admin/tickets/outboxentry/?flagged=yes"
    from django.contrib.auth.models import User

    staff_client = dana.__class__()
    staff_client.force_login(User.objects.create_superuser("boss", "boss@example.com", "pw"))
    assert entry.reference in staff_client.get(admin_page).content.decode()


def test_purge_keeps_what_waits_and_removes_what_is_done(dana, worker, later, monkeypatch):
    dana.post("/tickets/new/", {**technical_data(), "attachments": [SimpleUploadedFile("sent.txt", b"1")]})
    worker()
    monkeypatch.setattr(kayako, "submit_ticket", lambda **kwargs: (_ for _ in ()).throw(kayako.Unavailable("down")))
    dana.post("/tickets/new/", {**technical_data(subject="Waiting"), "attachments": [SimpleUploadedFile("w.txt", b"2")]})
    dana.post("/tickets/new/", {**technical_data(), "department": "", "attachments": [SimpleUploadedFile("x.txt", b"3")]})
    assert set(StagedUpload.objects.values_list("name", flat=True)) == {"w.txt", "x.txt"}
    with later(8 * 24 * 3600):
        outbox.purge()
    assert list(StagedUpload.objects.values_list("name", flat=True)) == ["w.txt"]  # its ticket still waits
    assert list(OutboxEntry.objects.values_list("subject", flat=True)) == ["Waiting"]


def test_a_reference_is_two_groups_of_four_of_the_readable_letters_each_as_likely():
    assert 256 % len(REFERENCE_ALPHABET) == 0  # a byte picks each letter as often
    references = [new_reference() for _ in range(4000)]
    assert all(re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", reference) for reference in references)
    counts = Counter("".join(references).replace("-", ""))
    assert set(counts) == set(REFERENCE_ALPHABET)  # no 0/O or 1/I, and every other letter used
    # 32,000 letters: each of the 32 about 1,000 times (a bias of 1 in 32 more or less is far outside this)
    assert all(850 < count < 1150 for count in counts.values())


def _entry(**fields) -> OutboxEntry:
    return OutboxEntry.objects.create(**{"kind": "ticket", "owner": "user:1", "email": DEMO, "full_name": "Dana",
                                         "message": "Hello", **fields})


@pytest.mark.django_db
def test_replies_stored_while_their_ticket_was_delivered_take_its_id():
    delivered = _entry(status="delivered", ticket_id=41)
    pending = _entry(status="queued")
    waiting = _entry(kind="reply", parent=delivered, status="queued")
    still_waiting = _entry(kind="reply", parent=pending, status="queued")
    own = _entry(kind="reply", ticket_id=7, status="queued")
    outbox.adopt_tickets()
    assert {e.pk: e.ticket_id for e in OutboxEntry.objects.filter(kind="reply")} == {
        waiting.pk: 41, still_waiting.pk: None, own.pk: 7}


def _plan(sql: str) -> str:
    """How the database would run `sql` (as captured: parameters in place)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return " ".join(row[-1] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: else PostgreSQL reads the table
        cursor.execute(f"EXPLAIN {sql}")
        return " ".join(row[0] for row in cursor.fetchall())


def _statements(run) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return [query["sql"] for query in captured.captured_queries if query["sql"].startswith(("UPDATE", "SELECT"))]


@pytest.mark.django_db
def test_the_workers_queries_find_entries_through_the_outbox_indexes():
    """The ticket and parent indexes keep only entries that have one (a new ticket writes no row in
    them), and the status index holds the due time: the worker's queries still find their entries there."""
    parent = _entry(status="delivered", ticket_id=41)
    _entry(kind="reply", parent=parent, status="queued")
    _entry(status="queued", next_attempt_at=timezone.now())
    _entry(kind="reply", ticket_id=41, status="queued", next_attempt_at=timezone.now())
    [adopt] = _statements(outbox.adopt_tickets)
    claim, *_ = _statements(outbox._claim_batch)
    assert "outbox_parent" in _plan(adopt)
    assert "outbox_status_due" in _plan(claim) and "outbox_ticket" in _plan(claim)  # a reply waits for earlier ones
