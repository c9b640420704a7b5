"""Ticket reads, one function each with keyword-only arguments. Views call these and
services.py, never the service module directly. Every read of a customer's data takes their
email: the helpdesk answers a missing ticket and someone else's with the same NotFound."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings

import kayako

from . import search, staging, workflow
from .models import OutboxEntry, StagedUpload

LOOKUP_PAGE_SIZE = 100
# The newest tickets waiting in the outbox that "My tickets" lists before the others; more are
# counted, not listed (during a long outage they pile up, and each row costs the page).
PENDING_SHOWN = 20


@dataclass(frozen=True)
class ReferenceData:
    departments: tuple[kayako.Department, ...]
    statuses: tuple[kayako.Status, ...]
    priorities: tuple[kayako.Priority, ...]

    def public(self) -> "ReferenceData":
        """Only what a customer may see and choose."""
        return ReferenceData(_public(self.departments), _public(self.statuses), _public(self.priorities))


def _public(items):
    return tuple(item for item in items if item.is_public)


def reference_data() -> ReferenceData:
    """The helpdesk's departments, statuses and priorities (cached by the service module)."""
    return ReferenceData(kayako.get_department_list(), kayako.get_status_list(), kayako.get_priority_list())


# --- the list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketPage:
    tickets: tuple[kayako.TicketSummary, ...]
    page: int
    per_page: int
    has_next: bool
    total: int | None  # known only without filters
    unknown_customer: bool = False
    incomplete: bool = False  # a search while the customer's tickets are still being indexed

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, -(-self.total // self.per_page))


def _window(page: int, per_page: int) -> tuple[int, int, int]:
    """(numPerPage, page, skip) of one API call whose rows hold this page and one row more.

    The API pages by numPerPage; the smallest page size whose aligned window covers rows
    [(page-1)*per_page, page*per_page] (one past the page, to know if a next page exists).
    """
    first, last = (page - 1) * per_page, page * per_page
    size = per_page + 1
    while first // size != last // size:
        size += 1
    return size, first // size + 1, first - (first // size) * size


def _day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


def _day_end(day: date | None) -> datetime | None:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC) - timedelta(seconds=1) if day else None


def ticket_list(*, email: str, page: int, per_page: int, sort_by: str, ascending: bool,
                filters: dict) -> TicketPage:
    """Without filters the page count comes from getTotalSubmittedTickets; with filters, one
    call that fetches a row more than shown tells whether there is a next page."""
    try:
        if not any(filters.values()):
            total = kayako.get_total_submitted_tickets(email=email)
            tickets = kayako.get_submitted_tickets(
                email=email, num_per_page=per_page, page=page, sort_by=sort_by, order_asc=ascending
            ) if (page - 1) * per_page < total else ()
            return TicketPage(tickets, page, per_page, page * per_page < total, total)
        size, api_page, skip = _window(page, per_page)
        rows = kayako.get_submitted_tickets_with_extra_restrictions(
            email=email, num_per_page=size, page=api_page, sort_by=sort_by, order_asc=ascending,
            min_start_date=_day_start(filters.get("created_from")), max_start_date=_day_end(filters.get("created_to")),
            min_last_activity=_day_start(filters.get("activity_from")),
            max_last_activity=_day_end(filters.get("activity_to")),
            min_due_date=_day_start(filters.get("due_from")), max_due_date=_day_end(filters.get("due_to")),
            specific_department=filters.get("department") or 0, specific_status=filters.get("status") or 0,
            specific_priority=filters.get("priority") or 0,
        )
        shown = rows[skip : skip + per_page]
        return TicketPage(shown, page, per_page, len(rows) > skip + per_page, None)
    except kayako.Rejected as error:
        if error.code == kayako.ErrorCode.UNKNOWN_USER:  # the helpdesk has never seen this customer
            return TicketPage((), page, per_page, False, 0, unknown_customer=True)
        raise


def ticket_search(*, email: str, query: str, page: int, per_page: int, sort_by: str, ascending: bool,
                  filters: dict) -> TicketPage:
    """The customer's tickets whose subject has the query's words, or whose number it is, from the
    local index (tickets/search.py), with the list's filters and order. Asks for the index to be
    refreshed when it is older than TICKETS_SEARCH_MAX_AGE."""
    search.request_refresh(email)
    bounds = {name: (_day_start if lookup == "gte" else _day_end)(filters.get(name))
              for name, (_field, lookup) in search.RANGE_FILTERS.items()}
    rows, total = search.search(email=email, query=query, page=page, per_page=per_page, sort_by=sort_by,
                                ascending=ascending, filters={**filters, **bounds})
    return TicketPage(tuple(rows), page, per_page, page * per_page < total, total,
                      incomplete=not search.is_complete(email))


# --- one ticket ----------------------------------------------------------------------------


def ticket_get(*, email: str, ticket_id: int) -> kayako.Ticket:
    return kayako.get_submitted_ticket(email=email, ticket_id=ticket_id)


def ticket_find(*, email: str, mask: str) -> kayako.Ticket | None:
    """The customer's ticket with this number (its mask, in any case), among their
    TICKETS_LOOKUP_MAX_TICKETS most recently active; None if there is none (or no such customer)."""
    wanted = mask.strip().casefold()
    for page in range(1, -(-settings.TICKETS_LOOKUP_MAX_TICKETS // LOOKUP_PAGE_SIZE) + 1):
        try:
            rows = kayako.get_submitted_tickets(email=email, num_per_page=LOOKUP_PAGE_SIZE, page=page)
        except kayako.Rejected as error:
            if error.code in (kayako.ErrorCode.UNKNOWN_USER, kayako.ErrorCode.INVALID_EMAIL):
                return None
            raise
        found = next((row for row in rows if row.mask.casefold() == wanted), None)
        if found is not None:
            return ticket_get(email=email, ticket_id=found.id)
        if len(rows) < LOOKUP_PAGE_SIZE:
            return None
    return None


@dataclass(frozen=True)
class TicketDetail:
    ticket: kayako.Ticket
    department: kayako.Department | None
    status: kayako.Status | None  # shown whether public or not
    priority: kayako.Priority | None
    public_priorities: tuple[kayako.Priority, ...]
    is_closed: bool
    status_action: kayako.Status | None  # what the Close (or, closed, the Reopen) button sets
    has_custom_fields: bool


def ticket_detail(*, email: str, ticket_id: int) -> TicketDetail:
    """The ticket with what its page shows beside the thread."""
    ticket = ticket_get(email=email, ticket_id=ticket_id)
    reference = reference_data()
    flow = workflow.workflow(reference.statuses)
    return TicketDetail(
        ticket=ticket,
        department=next((d for d in reference.departments if d.id == ticket.department_id), None),
        status=next((s for s in reference.statuses if s.id == ticket.status_id), None),
        priority=next((p for p in reference.priorities if p.id == ticket.priority_id), None),
        public_priorities=_public(reference.priorities),
        is_closed=flow.is_closed(ticket.status_id),
        status_action=flow.action_for(ticket.status_id),
        has_custom_fields=bool(custom_fields(department_id=ticket.department_id)),
    )


def custom_fields(*, department_id: int) -> tuple[kayako.CustomFieldGroup, ...]:
    return kayako.get_department_custom_fields(department_id=department_id)


def attachment_open(*, email: str, ticket_id: int, attachment_id: int):
    """(info, streamed response): ownership through getTicketAttachment, then the content."""
    info = kayako.get_ticket_attachment(email=email, ticket_id=ticket_id, attachment_id=attachment_id)
    return info, kayako.open_attachment_stream(info.url)


# --- submitting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitChoices:
    departments: tuple[kayako.Department, ...]  # public ones
    priorities: tuple[kayako.Priority, ...]  # public ones
    department_id: int  # the one asked for if customers may choose it, else the default
    custom_groups: tuple[kayako.CustomFieldGroup, ...]  # that department's


def submit_choices(*, department_id: int | None) -> SubmitChoices:
    """What the submit form offers. No public department means the helpdesk is not usable."""
    departments = _public(kayako.get_department_list())
    if not departments:
        raise kayako.Unavailable("no public departments")
    chosen = department_id or next((d.id for d in departments if d.is_default), departments[0].id)
    if chosen not in {d.id for d in departments}:
        chosen = departments[0].id
    return SubmitChoices(departments, _public(kayako.get_priority_list()), chosen,
                         custom_fields(department_id=chosen))


# --- staged uploads ------------------------------------------------------------------------


def staged_uploads(*, request, tokens: list[str]) -> list[StagedUpload]:
    """The uploads an earlier attempt staged, among `tokens`, that belong to this visitor."""
    return staging.owned(request, tokens)


def staged_upload_offered(*, token: str, name: str) -> StagedUpload | None:
    """The staged upload while a call offers it to the helpdesk; None otherwise."""
    upload = staging.offered_upload(token)
    return upload if upload is not None and upload.name == name else None


# --- the outbox ----------------------------------------------------------------------------


def submission_get(*, request, reference: str) -> OutboxEntry | None:
    """A submission of this visitor's (a guest's belong to their session); None for anyone else's."""
    return OutboxEntry.objects.filter(reference=reference, owner=staging.owner_key(request)).first()


def submission_to_confirm(*, reference: str, email: str) -> OutboxEntry | None:
    """The guest's ticket a confirmation link names, if it is still for the address the link was
    mailed to (whoever opens it: the link is the proof)."""
    return OutboxEntry.objects.filter(reference=reference, kind=OutboxEntry.Kind.TICKET, email__iexact=email).exclude(
        status=OutboxEntry.Status.DISCARDED).first()


def _undelivered():
    return OutboxEntry.objects.filter(status__in=[*OutboxEntry.IN_FLIGHT, OutboxEntry.Status.REJECTED])


@dataclass(frozen=True)
class PendingTickets:
    shown: list[OutboxEntry]  # the newest PENDING_SHOWN
    more: int  # how many older ones are waiting too


def pending_tickets(*, request) -> PendingTickets:
    """This customer's tickets not delivered yet (waiting, or refused and not discarded), newest first."""
    waiting = _undelivered().filter(owner=staging.owner_key(request), kind=OutboxEntry.Kind.TICKET).only(
        # what the list shows of each (not the message and the custom values: the list renders often)
        "reference", "subject", "department_id", "priority_id", "status", "created")
    shown = list(waiting[:PENDING_SHOWN + 1])
    if len(shown) <= PENDING_SHOWN:
        return PendingTickets(shown, 0)
    return PendingTickets(shown[:PENDING_SHOWN], waiting.count() - PENDING_SHOWN)


def pending_replies(*, request, ticket_id: int | None = None, parent: OutboxEntry | None = None) -> list[OutboxEntry]:
    """Replies of this visitor's not delivered yet, to a ticket or to a ticket still in the outbox, oldest first."""
    replies = _undelivered().filter(owner=staging.owner_key(request), kind=OutboxEntry.Kind.REPLY)
    replies = replies.filter(ticket_id=ticket_id) if parent is None else replies.filter(parent=parent)
    return list(replies.order_by("id"))
