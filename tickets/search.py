"""Searching one's own tickets by subject or number, which the API cannot do.

The index (IndexedTicket) holds, per customer, what getSubmittedTickets lists. The worker copies
it (`refresh`, a task) page by page, newest activity first. A refresh after a complete one reads
small pages and stops at the first page whose tickets were last active before that one began
(nothing older can have changed): after a delivery that is one page of INCREMENTAL_PAGE rows (when
that page is not enough, it reads on in pages of REFRESH_PAGE, from the first). Once
a day a refresh walks everything, and removes tickets the helpdesk no longer lists. A refresh is
asked for when the customer signs in, searches (at most every TICKETS_SEARCH_MAX_AGE seconds) or
has a ticket or reply delivered by the outbox; a refresh queued and not started yet serves every
request until it starts (a backlog of one customer's deliveries queues one), and it waits behind the
outbox's drains (tasks.BEHIND_DELIVERIES). A search counts and reads the
customer's rows whose subject contains every word typed (any case), found through a trigram
index (migration 0005: FTS5 on SQLite, pg_trgm on PostgreSQL), or whose number is the one typed.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils import timezone

import kayako

from . import tasks
from .models import IndexedTicket, TicketIndexState

REFRESH_PAGE = 500
INCREMENTAL_PAGE = 50
# A refresh queued this long ago and not started was lost (its worker killed, its queue gone).
REFRESH_LOST_AFTER = timedelta(minutes=5)
FULL_REFRESH_SECONDS = 24 * 3600
# Activity times come from the helpdesk's clock: a refresh looks back this much further.
CLOCK_MARGIN = timedelta(minutes=5)
MAX_WORDS = 8
# Words this long are found through the trigram index; shorter ones are checked on its candidates
# (no trigram to look up; and SQLite 3.40's FTS5 crashes when such a LIKE comes before a longer one).
TRIGRAM = 3
COPIED_FIELDS = ("email", "mask", "number", "subject", "department_id", "status_id", "priority_id", "start_date",
                 "last_activity", "due_time", "last_replier")
SORT_FIELDS = {"departmentid": "department_id", "ticketstatusid": "status_id", "priorityid": "priority_id",
               "lastactivity": "last_activity", "lastreplier": "last_replier"}
RANGE_FILTERS = {  # the list form's date filters: (index field, lookup)
    "created_from": ("start_date", "gte"), "created_to": ("start_date", "lte"),
    "activity_from": ("last_activity", "gte"), "activity_to": ("last_activity", "lte"),
    "due_from": ("due_time", "gte"), "due_to": ("due_time", "lte"),
}


def request_refresh(email: str, *, now_even_if_recent: bool = False) -> None:
    """Queues a refresh of this customer's index, unless one is queued and has not started (it will
    read what is there by then), or, unless `now_even_if_recent`, one was asked for less than
    TICKETS_SEARCH_MAX_AGE ago. One conditional UPDATE: concurrent requests queue one."""
    email = email.lower()
    now = timezone.now()
    state, _ = TicketIndexState.objects.get_or_create(email=email)
    if state.queued is not None and state.queued >= now - REFRESH_LOST_AFTER:
        return  # queued, not started: it serves this request too (and no write is needed to know it)
    due = Q(queued__isnull=True) | Q(queued__lt=now - REFRESH_LOST_AFTER)
    if not now_even_if_recent:
        due &= Q(requested__isnull=True) | Q(requested__lt=now - timedelta(seconds=settings.TICKETS_SEARCH_MAX_AGE))
    if TicketIndexState.objects.filter(due, email=email).update(requested=now, queued=now):
        transaction.on_commit(lambda: tasks.refresh_ticket_index.enqueue(email), robust=True)


def is_complete(email: str) -> bool:
    """Whether the customer's tickets have been copied completely at least once."""
    return TicketIndexState.objects.filter(email=email.lower(), refreshed__isnull=False).exists()


def refresh(email: str) -> int:
    """Copies the customer's tickets from the helpdesk into the index; returns how many were read."""
    email = email.lower()
    started = timezone.now()
    # Started: what is asked for from now on needs another refresh.
    TicketIndexState.objects.filter(email=email, queued__isnull=False).update(queued=None)
    state = TicketIndexState.objects.filter(email=email).first()
    full = state is None or state.refreshed is None or state.refreshed < started - timedelta(
        seconds=FULL_REFRESH_SECONDS)
    older_than = None if full else state.refreshed - CLOCK_MARGIN
    size = REFRESH_PAGE if full else INCREMENTAL_PAGE
    read, page = 0, 1
    while True:
        rows = _page(email, page, size)
        _store(email, rows, started)
        read += len(rows)
        if len(rows) < size or (older_than and rows[-1].last_activity and rows[-1].last_activity < older_than):
            break
        if size < REFRESH_PAGE:  # more changed than a few deliveries' worth: on in large pages, from the top
            size, page = REFRESH_PAGE, 1
        else:
            page += 1
    if full:
        IndexedTicket.objects.filter(email=email, copied__lt=started).delete()
    TicketIndexState.objects.update_or_create(email=email, defaults={"refreshed": started})
    return read


def _page(email: str, page: int, size: int) -> tuple[kayako.TicketSummary, ...]:
    try:
        return kayako.get_submitted_tickets(email=email, num_per_page=size, page=page,
                                            sort_by="lastactivity", order_asc=False)
    except kayako.Rejected as error:
        if error.code in (kayako.ErrorCode.UNKNOWN_USER, kayako.ErrorCode.INVALID_EMAIL):
            return ()  # no tickets (yet)
        raise


def _store(email: str, rows: tuple[kayako.TicketSummary, ...], copied) -> None:
    IndexedTicket.objects.bulk_create(
        [IndexedTicket(id=row.id, email=email, mask=row.mask[:64], number=row.mask[:64].lower(),
                       subject=row.subject[:255],
                       department_id=row.department_id, status_id=row.status_id, priority_id=row.priority_id,
                       start_date=row.start_date, last_activity=row.last_activity, due_time=row.due_time,
                       last_replier=row.last_replier[:255], copied=copied) for row in rows],
        update_conflicts=True, unique_fields=["id"], update_fields=[*COPIED_FIELDS, "copied"],
    )


def search(*, email: str, query: str, page: int, per_page: int, sort_by: str, ascending: bool,
           filters: dict) -> tuple[list[IndexedTicket], int]:
    """(the page's tickets, how many match): the customer's ticket whose number is the query, else
    those whose subject has every word of it, with the list's filters and order."""
    email = email.lower()
    numbered = list(IndexedTicket.objects.filter(email=email, number=query.strip().lower())
                    .values_list("id", flat=True)[:1])
    if numbered:  # a ticket's number finds that ticket
        rows = IndexedTicket.objects.filter(id__in=numbered)
    else:
        words = re.sub(r"[%_\\]", " ", query).split()[:MAX_WORDS]  # no wildcards of LIKE
        # The customer compared through an expression, which no index serves: the database then starts
        # from the subjects' trigram index, not from all of the customer's tickets.
        rows = IndexedTicket.objects.alias(owner=Lower("email")).filter(owner=email) if words \
            else IndexedTicket.objects.none()
        indexed = [word for word in words if len(word) >= TRIGRAM]
        if indexed:
            rows = rows.filter(id__in=_subject_matches(indexed))
        for word in words:
            if len(word) < TRIGRAM:
                rows = rows.filter(subject__icontains=word)
    for name in ("department", "status", "priority"):
        if filters.get(name):
            rows = rows.filter(**{f"{name}_id": filters[name]})
    for name, (field, lookup) in RANGE_FILTERS.items():
        if filters.get(name):
            rows = rows.filter(**{f"{field}__{lookup}": filters[name]})
    total = rows.count()
    order = SORT_FIELDS[sort_by]
    rows = rows.order_by(order if ascending else f"-{order}", "-id")
    start = (page - 1) * per_page
    return list(rows[start : start + per_page]), total


def _subject_matches(words: list[str]):
    """The ids of indexed tickets (anyone's: the caller narrows) whose subject contains every word
    (each of at least TRIGRAM characters)."""
    if connection.vendor == "sqlite":
        # (no ESCAPE clause: FTS5's trigram index serves only plain LIKE patterns; the words have no wildcards)
        like = " AND ".join(["subject LIKE %s"] * len(words))
        # Only placeholders are joined into the SQL; the words go as parameters.
        sql = f"SELECT rowid FROM tickets_subject_search WHERE {like}"  # noqa: S608
        return RawSQL(sql, [f"%{word}%" for word in words])  # noqa: S611
    every_word = Q()
    for word in words:
        every_word &= Q(subject__icontains=word)
    return IndexedTicket.objects.filter(every_word).values("id")
