"""The outbox: tickets and replies are stored in the request that sends them and delivered to the
helpdesk by the task worker, exactly once.

An entry goes QUEUED → DELIVERING (claimed by one worker) → DELIVERED, or REJECTED when the
helpdesk refuses it (the customer edits it and sends it again, or discards it). A failed attempt
puts it back in the queue with a growing delay. A guest's ticket starts AWAITING_CONFIRMATION: it
is queued when the link mailed to its address is opened, and discarded if that never happens
(guests.py). Exactly once rests on three rules:

- a worker claims entries (a few of the oldest due) with one conditional UPDATE, so two workers
  never deliver one entry;
- before each send the entry is marked as possibly sent (`unknown_since`); only a definite
  answer clears the mark. A timeout, a dropped connection or a worker killed mid-call leave it,
  and the next attempt first looks for the ticket (or reply) in the helpdesk, sending only if it
  is not there;
- a claim older than OUTBOX_CLAIM_SECONDS is a dead worker's: the periodic sweep queues the entry
  again (its outcome unknown). A live worker never starts a send that late in its claim.

Replies wait for the ticket they answer when it is in the outbox too, and go out in the order
they were written.
"""

import logging
import random
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import mail_managers, send_mail
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Exists, F, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

import kayako
from common.i18n import mail_language, request_language
from common.prepared import Prepared, PreparedInsert
from kayako import ErrorCode

from . import guests, search, staging, tasks, workflow
from .models import OutboxDrain, OutboxEntry, StagedUpload

logger = logging.getLogger(__name__)

Status, Kind = OutboxEntry.Status, OutboxEntry.Kind
CUSTOM_FIELD_ERRORS = frozenset({
    ErrorCode.UNKNOWN_CUSTOM_FIELD_GROUP, ErrorCode.UNKNOWN_CUSTOM_FIELD, ErrorCode.CUSTOM_FIELD_REQUIRED,
})
RECONCILE_PAGE_SIZE = 50
RECONCILE_MAX_PAGES = 10
WAKE_LIMIT = 1000
CLAIM_BATCH = 10
DRAIN_TIME = timedelta(seconds=5)
DRAIN_PAUSE = timedelta(seconds=1)


# --- storing (in the request) ----------------------------------------------------------------

# Every submission's INSERT, compiled once per process (common.prepared): the ORM took ~0.4 ms to
# build it each time, in the writers' turn.
_NEW_ENTRY = PreparedInsert(OutboxEntry)


def store(*, token: str, uploads: list[StagedUpload], awaiting_confirmation: bool = False,
          **fields) -> tuple[OutboxEntry, bool]:
    """(entry, created): the submission stored with its uploads and queued for the worker (or, awaiting
    confirmation, its confirmation link mailed). A form token seen before gives back the entry it
    made (a double click, a reloaded POST)."""
    # Stored straight away: the unique form token tells a repeat (rare), with no query first (each
    # query is a good part of a submission's CPU).
    try:
        with transaction.atomic():
            entry = OutboxEntry(form_token=token or None, language=request_language(),
                                **_queued(awaiting_confirmation), **fields)
            insert = _NEW_ENTRY.prepare(entry)
            # Their pages show it, waiting. Written first, so that the Python of both writes runs
            # before the transaction's first statement takes the writers' turn (portal.sqlite): in
            # the turn, one statement after the other (held 175 -> 143 µs on SQLite, alone).
            staging.owner_changed(entry.owner, entry.ticket_id)
            insert()
            if uploads:  # else no query, but the ORM's work on one all the same (~0.3 ms)
                StagedUpload.objects.filter(pk__in=[u.pk for u in uploads]).update(entry=entry)
            transaction.on_commit(lambda: _next_step(entry), robust=True)
    except IntegrityError:  # the form sent before, or at the same moment by another request
        earlier = OutboxEntry.objects.filter(form_token=token, owner=fields["owner"]).first() if token else None
        if earlier is None:
            raise
        return earlier, False
    return entry, True


def _queued(awaiting_confirmation: bool) -> dict:
    if awaiting_confirmation:
        return {"status": Status.AWAITING_CONFIRMATION, "next_attempt_at": None}
    return {"status": Status.QUEUED, "next_attempt_at": timezone.now()}


def _next_step(entry: OutboxEntry) -> None:
    if entry.status == Status.AWAITING_CONFIRMATION:
        tasks.mail_confirmation.enqueue(entry.pk)
    else:
        request_drain()


def resend(entry: OutboxEntry, *, uploads: list[StagedUpload], awaiting_confirmation: bool = False, **fields) -> None:
    """A refused submission, corrected by its customer, queued again under the same reference (or
    awaiting confirmation again: a guest who changed the address)."""
    with transaction.atomic():
        # Awaiting confirmation again, the link's lifetime starts again (the purge counts from `created`).
        restarted = {"created": timezone.now()} if awaiting_confirmation else {}
        updated = OutboxEntry.objects.filter(pk=entry.pk, status=Status.REJECTED).update(
            **_queued(awaiting_confirmation), **restarted, attempts=0, error_code=None, error_message="",
            last_error="", **fields)
        if updated:
            entry.refresh_from_db()
            entry.uploads.exclude(pk__in=[u.pk for u in uploads]).update(entry=None)
            StagedUpload.objects.filter(pk__in=[u.pk for u in uploads]).update(entry=entry)
            transaction.on_commit(lambda: _next_step(entry), robust=True)
            staging.owner_changed(entry.owner, entry.ticket_id)


def confirm(entry: OutboxEntry) -> bool:
    """A guest's ticket whose sender opened the confirmation link: queued for delivery. False if it
    was not waiting for that (confirmed already, or discarded)."""
    queued = OutboxEntry.objects.filter(pk=entry.pk, status=Status.AWAITING_CONFIRMATION).update(
        status=Status.QUEUED, next_attempt_at=timezone.now())
    if queued:
        request_drain()
    return bool(queued)


def discard(entry: OutboxEntry) -> None:
    """A refused submission the customer gives up, with the replies waiting for it."""
    with transaction.atomic():
        doomed = OutboxEntry.objects.filter(Q(pk=entry.pk, status=Status.REJECTED) | Q(parent=entry, ticket_id=None))
        ids = list(doomed.values_list("pk", flat=True))
        OutboxEntry.objects.filter(pk__in=ids).exclude(status=Status.DELIVERED).update(status=Status.DISCARDED)
        staging.owner_changed(entry.owner, entry.ticket_id)
    staging.discard(StagedUpload.objects.filter(entry__in=ids))


def adopt_tickets() -> None:
    """Replies stored while their ticket was being delivered take the ticket's id (its delivery
    gave it to the replies it could see)."""
    ticket_of_parent = OutboxEntry.objects.filter(pk=OuterRef("parent_id")).values("ticket_id")[:1]
    # From the replies that have a parent (the index of those), not from every delivered entry (a
    # join lets SQLite start there).
    parent_delivered = Exists(OutboxEntry.objects.filter(pk=OuterRef("parent_id"), status=Status.DELIVERED))
    OutboxEntry.objects.filter(parent_delivered, kind=Kind.REPLY, parent__isnull=False, ticket_id=None).update(
        ticket_id=Subquery(ticket_of_parent))


# --- draining (in the worker) ------------------------------------------------------------------


# Read after every submission: compiled once per process (common.prepared).
_DRAIN_STATE = Prepared(
    lambda a: OutboxDrain.objects.filter(pk=OutboxDrain.SINGLETON_ID).values_list("queued_for", "paused_until"))


def request_drain(at=None) -> None:
    """Queues a drain to run at `at` (now by default; never while delivery is paused), unless one is
    queued to run no later: that one will find whatever is due by then."""
    now = timezone.now()
    state = _DRAIN_STATE.rows()
    if not state:
        OutboxDrain.objects.get_or_create(pk=OutboxDrain.SINGLETON_ID)
        state = [(None, None)]
    queued_for, paused_until = state[0]
    at = max(at or now, now, paused_until or now)
    if queued_for is not None and queued_for <= at:
        return
    # Conditional on the row as read: of concurrent requests one queues the drain, the others rely on it.
    if OutboxDrain.objects.filter(pk=OutboxDrain.SINGLETON_ID, queued_for=queued_for).update(queued_for=at):
        (tasks.drain if at <= now else tasks.drain.using(run_after=at)).enqueue()


def deliver_now(entries) -> int:
    """Those of `entries` waiting in the queue (a staff member's "Try to deliver now"), due now and
    a drain queued; how many."""
    count = entries.filter(status=Status.QUEUED).update(next_attempt_at=timezone.now())
    request_drain()
    return count


def _claimable(now):
    earlier_reply_waiting = OutboxEntry.objects.filter(
        kind=Kind.REPLY, ticket_id=OuterRef("ticket_id"), pk__lt=OuterRef("pk"), status__in=OutboxEntry.IN_FLIGHT)
    return (
        OutboxEntry.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
        .filter(Q(kind=Kind.TICKET) | Q(ticket_id__isnull=False))  # a reply waits for its ticket
        .exclude(Q(kind=Kind.REPLY) & Exists(earlier_reply_waiting))  # and for the replies before it
    )


def _claim_batch() -> list[OutboxEntry]:
    """The oldest due entries (up to CLAIM_BATCH), oldest first, now this worker's to deliver; none
    if none is due.

    One conditional UPDATE claims them (of two workers picking the same entries, one changes each)
    and marks them as possibly sent from now on (`unknown_since`). An entry whose mark is this
    claim's own time was not marked before: nothing needs looking up in the helpdesk before sending
    it. A batch, not one entry: during a backlog, a claim per entry took a fifth of the workers' time.
    """
    while True:
        now, claim = timezone.now(), secrets.token_hex(16)
        oldest = _claimable(now).order_by("pk").values("pk")[:CLAIM_BATCH]
        claimed = OutboxEntry.objects.filter(pk__in=Subquery(oldest), status=Status.QUEUED).update(
            status=Status.DELIVERING, claim=claim, claimed_at=now, attempts=F("attempts") + 1,
            unknown_since=Coalesce(F("unknown_since"), Value(now), output_field=DateTimeField()))
        if claimed:
            entries = list(OutboxEntry.objects.filter(status=Status.DELIVERING, claim=claim).order_by("pk")
                           .annotate(has_uploads=Exists(StagedUpload.objects.filter(entry=OuterRef("pk")))))
            for entry in entries:
                if entry.unknown_since == entry.claimed_at:
                    entry.unknown_since = None
            return entries
        if not _claimable(now).exists():
            return []
        # another worker claimed those first: the next


def _release(entries: list[OutboxEntry]) -> None:
    """Claimed and not attempted (the helpdesk stopped answering, or the drain failed, first): queued
    again as they were."""
    for entry in entries:
        _owned(entry).update(status=Status.QUEUED, claim="", attempts=F("attempts") - 1,
                             unknown_since=entry.unknown_since)


def _owned(entry: OutboxEntry):
    return OutboxEntry.objects.filter(pk=entry.pk, status=Status.DELIVERING, claim=entry.claim)


def drain() -> None:
    """Delivers due entries oldest first, a batch claimed at a time, until none is due (then queues a drain
    for the next retry), the helpdesk fails to answer (then delivery pauses), or DRAIN_TIME has
    passed (then another drain goes to the back of the task queue, so that other tasks run too).
    A drain that delivers asks for another, so every free worker joins a backlog; any number of
    drains can run at once: each entry is claimed by one."""
    started = timezone.now()
    OutboxDrain.objects.filter(pk=OutboxDrain.SINGLETON_ID, queued_for__lte=started).update(queued_for=None)
    paused = OutboxDrain.objects.filter(pk=OutboxDrain.SINGLETON_ID, paused_until__isnull=False).exists()
    companion_asked = False
    while timezone.now() - started < DRAIN_TIME:
        batch = _claim_batch()
        if not batch:
            _queue_next_retry()
            return
        for position, entry in enumerate(batch):
            try:
                _deliver(entry)
            except BaseException as error:  # the rest of the batch is not left claimed until the sweep
                _release(batch[position + 1:])
                if not isinstance(error, kayako.Unavailable):
                    raise
                _pause()
                return
            if not companion_asked:  # work, and the helpdesk answers: a free worker joins in (and asks for the next)
                request_drain()
                companion_asked = True
            if paused and entry.status in (Status.DELIVERED, Status.REJECTED):  # the helpdesk answered
                _wake()
                paused = False
    request_drain()


def _deliver(entry: OutboxEntry) -> None:
    """One attempt at delivering a claimed entry; raises Unavailable (after queueing it again) if the
    helpdesk could not be reached or did not answer."""
    uploads = list(entry.uploads.all()) if entry.has_uploads else []
    try:
        _attempt(entry, uploads)
    except kayako.Rejected as error:  # NotFound too: the ticket of a reply is gone or not theirs
        _reject(entry, error)
    except kayako.Unavailable as error:
        _retry_later(entry, str(error))
        raise
    except kayako.ProtocolError as error:
        _retry_later(entry, str(error))
    except Exception as error:
        logger.exception("outbox %s: delivery failed", entry.reference)
        _retry_later(entry, f"{type(error).__name__}: {error}")


def _queue_next_retry() -> None:
    """Nothing is due: a drain for the earliest entry waiting out its back-off, if any."""
    soonest = (OutboxEntry.objects.filter(status=Status.QUEUED, next_attempt_at__gt=timezone.now())
               .aggregate(soonest=Min("next_attempt_at"))["soonest"])
    if soonest is not None:
        request_drain(soonest)


def _pause() -> None:
    """The helpdesk did not answer: no drain for DRAIN_PAUSE (stores and retries meanwhile ask for
    one after it), rather than every due entry tried and failing in turn."""
    until = timezone.now() + DRAIN_PAUSE
    OutboxDrain.objects.filter(pk=OutboxDrain.SINGLETON_ID).update(paused_until=until)
    request_drain(until)


def _wake() -> None:
    """The first delivery after a pause: the helpdesk answers again. The entries waiting out their
    back-off are due now."""
    if OutboxDrain.objects.filter(pk=OutboxDrain.SINGLETON_ID, paused_until__isnull=False).update(paused_until=None):
        OutboxEntry.objects.filter(status=Status.QUEUED, next_attempt_at__gt=timezone.now()).update(
            next_attempt_at=timezone.now())


def _attempt(entry: OutboxEntry, uploads: list[StagedUpload]) -> None:
    if entry.unknown_since is not None:
        found = _find_ticket(entry) if entry.kind == Kind.TICKET else _find_reply(entry)
        if found is not None:
            logger.info("outbox %s: found in the helpdesk after an unknown outcome; not sent again", entry.reference)
            _delivered(entry, found, uploads)
            return
    # A claim this old could be taken over by the sweep during the call: try again later instead.
    if timezone.now() - entry.claimed_at > timedelta(
            seconds=settings.OUTBOX_CLAIM_SECONDS - 2 * settings.KAYAKO_OPERATION_TIMEOUT):
        raise kayako.Unavailable("the helpdesk was too slow to look the entry up; trying again")
    try:
        with staging.offered(uploads) as attachments:
            if entry.kind == Kind.TICKET:
                result = kayako.submit_ticket(
                    email=entry.email, department_id=entry.department_id, priority_id=entry.priority_id,
                    full_name=entry.full_name, subject=entry.subject, message=entry.message, attachments=attachments,
                    customs={int(field_id): value for field_id, value in entry.customs.items()},
                )
            else:
                kayako.post_ticket_reply(email=entry.email, ticket_id=entry.ticket_id, reply=entry.message,
                                         attachments=attachments)
                result = True
            _delivered(entry, result, uploads)  # in the block: if it fails, the uploads are withdrawn
    except (kayako.NotSent, kayako.Unreached):
        # This send reached nothing, and any earlier one was looked up above and not found: the next
        # attempt need not look (after an outage, a lookup per entry doubled the backlog's calls).
        _owned(entry).update(unknown_since=None)
        raise


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _find_ticket(entry: OutboxEntry) -> kayako.SubmittedTicket | None:
    """The ticket an earlier attempt created, if it did: one of the customer's tickets started
    since shortly before that attempt, with the same subject and first message, that no other
    entry of this portal delivered."""
    since = entry.unknown_since - timedelta(seconds=settings.OUTBOX_RECONCILE_MARGIN_SECONDS)
    known = set(OutboxEntry.objects.filter(
        kind=Kind.TICKET, status=Status.DELIVERED, email__iexact=entry.email, created__gte=since - timedelta(days=1),
    ).values_list("ticket_id", flat=True))
    for page in range(1, RECONCILE_MAX_PAGES + 1):
        try:
            rows = kayako.get_submitted_tickets_with_extra_restrictions(
                email=entry.email, num_per_page=RECONCILE_PAGE_SIZE, page=page, min_start_date=since)
        except kayako.Rejected as error:
            if error.code == ErrorCode.UNKNOWN_USER:  # the helpdesk has never seen them: nothing was created
                return None
            raise kayako.Unavailable(f"looking for the ticket: {error}") from error
        for row in rows:
            if row.id in known or not _same_text(row.subject, entry.subject):
                continue
            ticket = kayako.get_submitted_ticket(email=entry.email, ticket_id=row.id)
            if ticket.posts and _same_text(ticket.posts[0].contents, entry.message):
                return kayako.SubmittedTicket(ticket.id, ticket.mask)
        if len(rows) < RECONCILE_PAGE_SIZE:
            return None
    raise kayako.Unavailable("looking for the ticket: too many candidates")


def _find_reply(entry: OutboxEntry) -> bool | None:
    """True if an earlier attempt added the reply: the ticket has more posts of the customer
    with this text since shortly before that attempt than this portal delivered."""
    since = entry.unknown_since - timedelta(seconds=settings.OUTBOX_RECONCILE_MARGIN_SECONDS)
    ticket = kayako.get_submitted_ticket(email=entry.email, ticket_id=entry.ticket_id)
    posted = sum(1 for post in ticket.posts if not post.is_staff and (post.date is None or post.date >= since)
                 and _same_text(post.contents, entry.message))
    delivered = sum(1 for text in OutboxEntry.objects.filter(
        kind=Kind.REPLY, ticket_id=entry.ticket_id, status=Status.DELIVERED, delivered_at__gte=since,
    ).values_list("message", flat=True) if _same_text(text, entry.message))
    return True if posted > delivered else None


def _delivered(entry: OutboxEntry, result: kayako.SubmittedTicket | bool, uploads: list[StagedUpload]) -> None:
    now = timezone.now()
    fields = {"status": Status.DELIVERED, "delivered_at": now, "claim": "", "unknown_since": None, "last_error": ""}
    if isinstance(result, kayako.SubmittedTicket):
        fields.update(ticket_id=result.id, ticket_mask=result.mask)
    # One write transaction for the bookkeeping (on SQLite each statement alone would be one, each
    # waiting for the lock that the customers' requests want too).
    with transaction.atomic():
        # Whoever holds the claim now, the entry is delivered: say so (a later claim then finds nothing).
        OutboxEntry.objects.filter(pk=entry.pk, status__in=OutboxEntry.IN_FLIGHT).update(**fields)
        if isinstance(result, kayako.SubmittedTicket):  # its replies waiting for it: due (the drain goes on to them)
            OutboxEntry.objects.filter(parent=entry, ticket_id=None).update(ticket_id=result.id)
        # (a worker stopped between the ticket's send and this leaves replies without it: the sweep's adopt_tickets)
        if entry.kind == Kind.REPLY:
            transaction.on_commit(lambda: tasks.reopen_if_closed.enqueue(entry.pk), robust=True)
        # The new ticket (or the reply's new activity) is in the first page a refresh reads.
        search.request_refresh(entry.email, now_even_if_recent=True)
        staging.owner_changed(entry.owner, entry.ticket_id)
        staging.discard(uploads)
    entry.status = Status.DELIVERED
    logger.info("outbox %s: delivered after %s attempt(s)", entry.reference, entry.attempts)


def _reject(entry: OutboxEntry, error: kayako.Rejected) -> None:
    if error.code in CUSTOM_FIELD_ERRORS:  # the department's fields changed: a new form gets the current ones
        kayako.invalidate("reference")
    with mail_language(entry.language):  # what the customer is told, in the language they wrote in
        user_message = str(error.user_message)
    updated = _owned(entry).update(
        status=Status.REJECTED, claim="", unknown_since=None, error_code=int(error.code),
        error_message=user_message, last_error=str(error))
    if updated:
        logger.info("outbox %s: refused by the helpdesk (%s)", entry.reference, error)
        staging.owner_changed(entry.owner, entry.ticket_id)
        entry.refresh_from_db()
        _mail_customer(entry, "rejected", gettext_noop("%(what)s could not be delivered"))


def _retry_later(entry: OutboxEntry, reason: str) -> None:
    delay = min(2 ** (entry.attempts - 1), settings.OUTBOX_RETRY_MAX_SECONDS) * random.uniform(0.8, 1.2)
    when = timezone.now() + timedelta(seconds=delay)
    # (the drain that finds nothing due queues the next for the earliest such time)
    if _owned(entry).update(status=Status.QUEUED, next_attempt_at=when, claim="", last_error=reason[:2000]):
        logger.info("outbox %s: attempt %s failed (%s); next in %.0f s", entry.reference, entry.attempts, reason, delay)


# --- periodic (common/schedule.py runs these) ---------------------------------------------------


def sweep() -> None:
    """Entries of dead workers queued again (their outcome unknown), a drain queued if anything is
    due (a lost or killed drain: no request is served by it), and entries still undelivered after
    OUTBOX_FLAG_AFTER_SECONDS flagged."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
    adopt_tickets()
    for entry in OutboxEntry.objects.filter(status=Status.DELIVERING, claimed_at__lt=stale_before)[:WAKE_LIMIT]:
        if _owned(entry).update(status=Status.QUEUED, next_attempt_at=now, claim="",
                                unknown_since=Coalesce(F("unknown_since"), F("claimed_at"))):
            logger.warning("outbox %s: its worker stopped during a delivery; checking the helpdesk", entry.reference)
    # A drain queued this long ago and never started was lost with its worker (or its queue).
    OutboxDrain.objects.filter(queued_for__lt=stale_before).update(queued_for=None)
    if _claimable(now).exists():
        request_drain()
    _flag_overdue(now)


def _flag_overdue(now) -> None:
    overdue = OutboxEntry.objects.filter(
        status__in=OutboxEntry.IN_FLIGHT, flagged_at=None,
        created__lt=now - timedelta(seconds=settings.OUTBOX_FLAG_AFTER_SECONDS))
    flagged = [entry for entry in overdue[:WAKE_LIMIT]
               if OutboxEntry.objects.filter(pk=entry.pk, flagged_at=None).update(flagged_at=now)]
    if not flagged:
        return
    mail_managers(
        ngettext("%(count)s submission is still waiting for the helpdesk",
                 "%(count)s submissions are still waiting for the helpdesk", len(flagged)) % {"count": len(flagged)},
        render_to_string("tickets/email/overdue_staff.txt", {
            "entries": flagged, "admin_url": settings.PORTAL_PUBLIC_URL + reverse("admin:tickets_outboxentry_changelist"),
        }),
    )
    for entry in flagged:
        _mail_customer(entry, "overdue", gettext_noop("%(what)s is still on its way"))


def purge() -> None:
    """Guests' tickets never confirmed are discarded once their link has expired; delivered and
    discarded entries (and with them their form tokens) are removed after OUTBOX_KEEP_DAYS; uploads
    of forms never sent after STAGED_UPLOAD_KEEP_SECONDS."""
    now = timezone.now()
    unconfirmed = OutboxEntry.objects.filter(
        status=Status.AWAITING_CONFIRMATION, created__lt=now - timedelta(seconds=settings.TICKETS_GUEST_CONFIRM_SECONDS))
    for entry in unconfirmed[:WAKE_LIMIT]:
        if OutboxEntry.objects.filter(pk=entry.pk, status=Status.AWAITING_CONFIRMATION).update(status=Status.DISCARDED):
            staging.discard(entry.uploads.all())
    cutoff = now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    OutboxEntry.objects.filter(status__in=[Status.DELIVERED, Status.DISCARDED], updated__lt=cutoff).delete()
    staging.discard_expired()


# --- after a reply (in the worker) ---------------------------------------------------------------


def reopen_if_closed(entry_id: int) -> None:
    """A delivered reply whose ticket is (still) closed reopens it: a helpdesk that does not do so
    itself would leave the customer's words unseen. The workflow says which status that is."""
    entry = OutboxEntry.objects.filter(pk=entry_id, kind=Kind.REPLY, status=Status.DELIVERED).first()
    if entry is None or entry.ticket_id is None:
        return
    ticket = kayako.get_submitted_ticket(email=entry.email, ticket_id=entry.ticket_id)
    flow = workflow.current()
    if flow.is_closed(ticket.status_id) and flow.reopen_status is not None:
        kayako.update_ticket_properties(email=entry.email, ticket_id=entry.ticket_id,
                                        new_status=flow.reopen_status.id)
        staging.owner_changed(entry.owner, entry.ticket_id)
        logger.info("outbox %s: the reply reopened ticket %s", entry.reference, entry.ticket_id)


# --- telling the customer ----------------------------------------------------------------------


def _describe(entry: OutboxEntry) -> str:
    """What the customer sent, with its "your": in German it agrees with the noun (Ihr Ticket, Ihre Antwort),
    so the two are translated together."""
    if entry.kind == Kind.TICKET:
        return _("your ticket “%(subject)s”") % {"subject": entry.subject}
    return _("your reply")


def _mail_customer(entry: OutboxEntry, template: str, subject: str) -> None:
    """`subject`: marked with gettext_noop, translated here into the customer's language."""
    with mail_language(entry.language):
        what = _describe(entry)
        subject = capfirst(_(subject) % {"what": what})
        body = render_to_string(f"tickets/email/{template}.txt", {
            "entry": entry, "what": what,
            "url": settings.PORTAL_PUBLIC_URL + reverse("tickets:sent", args=[entry.reference]),
        })
    try:
        send_mail(subject, body, None, [entry.email])
    except Exception:  # the entry's state is what matters; a mail server down must not undo it
        logger.exception("outbox %s: could not mail the customer", entry.reference)


def mail_confirmation(entry_id: int) -> None:
    """The link that sends a guest's ticket, to the address the guest gave."""
    entry = OutboxEntry.objects.filter(pk=entry_id, status=Status.AWAITING_CONFIRMATION).first()
    if entry is None:
        return
    token = guests.confirmation_token(reference=entry.reference, email=entry.email)
    with mail_language(entry.language):
        subject = _("Please confirm your ticket “%(subject)s”") % {"subject": " ".join(entry.subject.split())}
        body = render_to_string("tickets/email/confirm.txt", {
            "entry": entry, "hours": settings.TICKETS_GUEST_CONFIRM_SECONDS // 3600,
            "url": settings.PORTAL_PUBLIC_URL + reverse("tickets:confirm", args=[token])})
    send_mail(subject, body, None, [entry.email])
