"""Ticket actions, one function each, with keyword-only arguments. Views parse input with a
form, call one of these, and render."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import kayako

from . import staging


@dataclass(frozen=True)
class TicketPage:
    tickets: tuple[kayako.TicketSummary, ...]
    page: int
    per_page: int
    has_next: bool
    total: int | None  # known only without filters
    unknown_customer: bool = False

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
        if error.code == -3:  # the helpdesk has never seen this customer: no tickets yet
            return TicketPage((), page, per_page, False, 0, unknown_customer=True)
        raise


def ticket_get(*, email: str, ticket_id: int) -> kayako.Ticket:
    return kayako.get_submitted_ticket(email=email, ticket_id=ticket_id)


def ticket_submit(*, email: str, full_name: str, department_id: int, priority_id: int, subject: str,
                  message: str, customs: dict, uploads: list) -> kayako.SubmittedTicket:
    with staging.offered(uploads) as attachments:
        submitted = kayako.submit_ticket(
            email=email, department_id=department_id, priority_id=priority_id, full_name=full_name,
            subject=subject, message=message, attachments=attachments, customs=customs,
        )
    staging.discard(uploads)
    return submitted


def ticket_reply(*, email: str, ticket_id: int, reply: str, uploads: list) -> None:
    with staging.offered(uploads) as attachments:
        kayako.post_ticket_reply(email=email, ticket_id=ticket_id, reply=reply, attachments=attachments)
    staging.discard(uploads)


def ticket_update_properties(*, email: str, ticket_id: int, status_id: int = 0, priority_id: int = 0) -> None:
    kayako.update_ticket_properties(email=email, ticket_id=ticket_id, new_status=status_id, new_priority=priority_id)


def ticket_set_custom_values(*, ticket: kayako.Ticket, values: dict[int, str | list[str]]) -> int:
    """Sets the values that changed; returns how many.

    setCustomFieldValue takes no email, so `ticket` must come from ticket_get with the customer's
    email in this request: that call is the ownership check.
    """
    current = {f.id: f for group in ticket.custom for f in group.fields}
    changed = 0
    for field_id, value in values.items():
        new = value if isinstance(value, list) else ([value] if value else [])
        old = current[field_id].values if field_id in current else []
        if new != old:
            kayako.set_custom_field_value(ticket_id=ticket.id, custom_field_id=field_id, value=value)
            changed += 1
    return changed


def attachment_open(*, email: str, ticket_id: int, attachment_id: int):
    """(info, streamed response): ownership through getTicketAttachment, then the content."""
    info = kayako.get_ticket_attachment(email=email, ticket_id=ticket_id, attachment_id=attachment_id)
    return info, kayako.open_attachment_stream(info.url)
