"""Ticket actions, one function each, with keyword-only arguments. Views parse input with a
form, call one of these, and render.

Tickets and replies are stored in the outbox and delivered by the worker (outbox.py): no request
waits on the helpdesk to send them. The helpdesk's refusals come back on the stored submission.

What the user must correct or retry comes back as a ValidationError, keyed by form field where
it concerns one (`form.add_error(None, error)` puts each message at its place). Someone else's
ticket and a missing one stay kayako.NotFound, the site's 404.
"""

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

import kayako
from common.abuse import rate_limited
from common.i18n import request_language
from kayako import ErrorCode

from . import guests, outbox, staging, tasks
from .models import OutboxEntry, StagedUpload

# The submit form's field that each refusal of submitTicket concerns (shown when the customer
# edits a refused ticket).
SUBMIT_ERROR_FIELDS = {
    ErrorCode.INVALID_EMAIL: "email",  # guests only: customers send their verified address
    ErrorCode.INVALID_DEPARTMENT: "department",
    ErrorCode.INVALID_PRIORITY: "priority",
    ErrorCode.ATTACHMENT_FETCH_FAILED: "attachments",
}
# Every other refusal of postTicketReply concerns the reply itself.
REPLY_ERROR_FIELDS = {ErrorCode.ATTACHMENT_FETCH_FAILED: "attachments"}


@dataclass(frozen=True)
class Sent:
    entry: OutboxEntry
    repeated: bool = False  # the form had been sent already (a double click, a reload): nothing stored again

    @property
    def url(self) -> str:
        """The page that follows: the submission until it is delivered, then what it became."""
        return reverse("tickets:sent", args=[self.entry.reference])


def _form_error(error: kayako.Rejected, fields: Mapping[int, str], default: str | None = None) -> ValidationError:
    """The helpdesk's refusal at the field it concerns (else at `default`; None is the whole form)."""
    return ValidationError({fields.get(error.code, default) or NON_FIELD_ERRORS: error.user_message})


@contextmanager
def _refusals_as_form_errors() -> Iterator[None]:
    """The helpdesk's refusal as an error of the whole form; NotFound stays the 404."""
    try:
        yield
    except kayako.NotFound:
        raise
    except kayako.Rejected as error:
        raise _form_error(error, {}) from error


def rejection_error(entry: OutboxEntry) -> ValidationError:
    """The helpdesk's refusal of a submission, at the field of the edit form it concerns."""
    if entry.kind == OutboxEntry.Kind.REPLY:
        fields, default = REPLY_ERROR_FIELDS, "reply"
    else:
        guest = entry.owner.startswith("session:")
        fields = {c: f for c, f in SUBMIT_ERROR_FIELDS.items() if guest or f != "email"}
        default = None
    return _form_error(kayako.Rejected(entry.error_code or 0), fields, default)


def _ticket_fields(*, department_id: int, priority_id: int, subject: str, message: str, customs: dict) -> dict:
    return {"department_id": department_id, "priority_id": priority_id, "subject": subject, "message": message,
            # JSON keys are text; the worker turns them back into field ids.
            "customs": {str(field_id): value for field_id, value in customs.items()}}


def ticket_submit(*, request, token: str, email: str, full_name: str, department_id: int, priority_id: int,
                  subject: str, message: str, customs: dict, uploads: list[StagedUpload]) -> Sent:
    """Stores the ticket for the worker to deliver, once per form token. Guests (not signed in)
    are rate limited per network, and their ticket waits until they open the link mailed to the
    address they gave (guests.py): whether it belongs to an account or not, nobody files in
    someone else's name, and every guest is told the same."""
    guest = not request.user.is_authenticated
    limit, window = settings.TICKETS_GUEST_RATE_LIMIT
    if guest and rate_limited(request, "guest-ticket", limit=limit, window_seconds=window):
        raise ValidationError(_("Several tickets were sent from your network lately. Please wait an hour, "
                                "or sign in to send more."))
    entry, created = outbox.store(
        token=token, uploads=uploads, kind=OutboxEntry.Kind.TICKET, owner=staging.owner_key(request),
        email=email, full_name=full_name, awaiting_confirmation=guest, **_ticket_fields(
            department_id=department_id, priority_id=priority_id, subject=subject, message=message, customs=customs),
    )
    return Sent(entry, repeated=not created)


def submission_confirm(*, request, entry: OutboxEntry) -> bool:
    """A guest's ticket, confirmed by the link mailed to its address: queued for delivery, and its
    ticket opens in this browser once delivered. False if it was not waiting for that."""
    guests.remember_confirmed(request, entry.reference)
    return outbox.confirm(entry)


def guest_lookup(*, request, email: str, mask: str) -> None:
    """Asks the worker to mail a link to the ticket with this number to `email`, if it is theirs.
    Nothing is asked of the helpdesk here, so the answer is the same, as fast, either way. Rate
    limited per network (an error), and per address (silently: no mailbox is flooded)."""
    limit, window = settings.TICKETS_LOOKUP_RATE_LIMIT
    if rate_limited(request, "ticket-lookup", limit=limit, window_seconds=window):
        raise ValidationError(_("Several links were asked for from your network lately. Please wait an hour."))
    limit, window = settings.TICKETS_LOOKUP_ADDRESS_LIMIT
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    if not rate_limited(request, "ticket-lookup-address", limit=limit, window_seconds=window, key=address):
        tasks.mail_guest_link.enqueue(email.strip(), mask.strip(), request_language())


def ticket_reply(*, request, email: str, full_name: str, ticket_id: int, token: str, reply: str,
                 uploads: list[StagedUpload]) -> Sent:
    """Stores the reply for the worker to deliver, once per form token. Whether the ticket is
    theirs is the helpdesk's to say: a reply to someone else's is refused like a missing one."""
    entry, created = outbox.store(
        token=token, uploads=uploads, kind=OutboxEntry.Kind.REPLY, owner=staging.owner_key(request),
        email=email, full_name=full_name, ticket_id=ticket_id, message=reply,
    )
    return Sent(entry, repeated=not created)


def pending_ticket_reply(*, request, ticket: OutboxEntry, token: str, reply: str, uploads: list[StagedUpload]) -> Sent:
    """A reply to a ticket still in the outbox: delivered after it, to the ticket it becomes."""
    entry, created = outbox.store(
        token=token, uploads=uploads, kind=OutboxEntry.Kind.REPLY, owner=ticket.owner, email=ticket.email,
        full_name=ticket.full_name, parent=ticket, ticket_id=ticket.ticket_id, message=reply,
    )
    if created:
        outbox.adopt_tickets()  # the ticket may have been delivered while this was stored
    return Sent(entry, repeated=not created)


def ticket_resend(*, entry: OutboxEntry, email: str, full_name: str, department_id: int, priority_id: int,
                  subject: str, message: str, customs: dict, uploads: list[StagedUpload]) -> Sent:
    """A refused ticket, corrected, queued again under its reference; a guest's under another
    address than the one confirmed waits for that address's confirmation first."""
    new_address = entry.owner.startswith("session:") and email.strip().lower() != entry.email.lower()
    outbox.resend(entry, uploads=uploads, awaiting_confirmation=new_address, email=email, full_name=full_name,
                  **_ticket_fields(department_id=department_id, priority_id=priority_id, subject=subject,
                                   message=message, customs=customs))
    return Sent(entry)


def reply_resend(*, entry: OutboxEntry, reply: str, uploads: list[StagedUpload]) -> Sent:
    """A refused reply, corrected, queued again under its reference."""
    outbox.resend(entry, uploads=uploads, message=reply)
    return Sent(entry)


def submission_discard(*, entry: OutboxEntry) -> None:
    """A refused submission given up (with the replies waiting for it)."""
    outbox.discard(entry)


def ticket_update_properties(*, customer_id: int, email: str, ticket_id: int, status_id: int = 0,
                             priority_id: int = 0) -> None:
    """A new status or priority (0 keeps it); a refusal is a ValidationError. `customer_id`: the
    user whose pages show it."""
    with _refusals_as_form_errors():
        kayako.update_ticket_properties(email=email, ticket_id=ticket_id, new_status=status_id,
                                        new_priority=priority_id)
    staging.tickets_changed(customer_id, ticket_id)


def ticket_set_custom_values(*, customer_id: int, ticket: kayako.Ticket, values: dict[int, str | list[str]]) -> int:
    """Sets the values that changed; returns how many. A refusal is a ValidationError. `customer_id`:
    the user whose pages show them.

    setCustomFieldValue takes no email, so `ticket` must come from selectors.ticket_get with the
    customer's email in this request: that call is the ownership check.
    """
    current = {f.id: f for group in ticket.custom for f in group.fields}
    changed = 0
    try:
        for field_id, value in values.items():
            new = value if isinstance(value, list) else ([value] if value else [])
            old = current[field_id].values if field_id in current else []
            if new != old:
                with _refusals_as_form_errors():
                    kayako.set_custom_field_value(ticket_id=ticket.id, custom_field_id=field_id, value=value)
                changed += 1
    finally:  # those set before a refusal are set too
        if changed:
            staging.tickets_changed(customer_id, ticket.id)
    return changed


def uploads_stage(*, request, files) -> list[StagedUpload]:
    """Stages new uploads, kept until the worker delivers them (or, for a form never sent, until
    the worker's purge removes them)."""
    return [staging.stage(request, upload) for upload in files]
