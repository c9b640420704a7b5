"""Ticket actions, one function each, with keyword-only arguments. Views parse input with a
form, call one of these, and render.

What the user must correct or retry comes back as a ValidationError, keyed by form field where
it concerns one (`form.add_error(None, error)` puts each message at its place). Someone else's
ticket and a missing one stay kayako.NotFound, the site's 404.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

import kayako
from common.abuse import rate_limited
from kayako import ErrorCode

from . import once, staging
from .models import StagedUpload

UNAVAILABLE_MESSAGE = _("The support system is unavailable right now, so nothing was sent. Everything you "
                        "entered is still here, attachments included: please try again in a few minutes.")
# The submit form's field that each refusal of submitTicket concerns.
SUBMIT_ERROR_FIELDS = {
    ErrorCode.INVALID_EMAIL: "email",  # guests only: customers send their verified address
    ErrorCode.INVALID_DEPARTMENT: "department",
    ErrorCode.INVALID_PRIORITY: "priority",
    ErrorCode.ATTACHMENT_FETCH_FAILED: "attachments",
}
CUSTOM_FIELD_ERRORS = frozenset({
    ErrorCode.UNKNOWN_CUSTOM_FIELD_GROUP, ErrorCode.UNKNOWN_CUSTOM_FIELD, ErrorCode.CUSTOM_FIELD_REQUIRED,
})
# Every other refusal of postTicketReply concerns the reply itself.
REPLY_ERROR_FIELDS = {ErrorCode.ATTACHMENT_FETCH_FAILED: "attachments"}


class CustomFieldsChanged(ValidationError):
    """The helpdesk refused a custom field: the department's fields changed since the form was
    built. Their cached definitions are dropped, so a form built now has the current ones."""


@dataclass(frozen=True)
class Sent:
    url: str  # where the result is shown
    repeated: bool = False  # the form had been sent already (a double click, a reload): nothing sent again
    ticket: kayako.SubmittedTicket | None = None


def _form_error(error: kayako.KayakoError, fields: Mapping[int, str], default: str | None = None) -> ValidationError:
    """A failed call as the user sees it: the helpdesk's refusal at the field it concerns (else at
    `default`; None is the whole form), or that the helpdesk is unavailable."""
    if isinstance(error, kayako.Rejected):
        return ValidationError({fields.get(error.code, default) or NON_FIELD_ERRORS: error.user_message})
    return ValidationError(UNAVAILABLE_MESSAGE)


@contextmanager
def _refusals_as_form_errors() -> Iterator[None]:
    """The helpdesk's refusal as an error of the whole form; NotFound stays the 404."""
    try:
        yield
    except kayako.NotFound:
        raise
    except kayako.Rejected as error:
        raise _form_error(error, {}) from error


def _send_once(token: str, send: Callable[[], Sent], *, earlier_default: str,
               form_error: Callable[[kayako.KayakoError], ValidationError]) -> Sent:
    """The one ladder of every form that sends something to the helpdesk: a form token sends at
    most once (a second request gets the first one's result, or `earlier_default` if it has none
    yet); a failed call frees the token for a retry and becomes a form error."""
    may_send, earlier = once.claim(token)
    if not may_send:
        return Sent(url=earlier or earlier_default, repeated=True)
    try:
        sent = send()
    except Exception as failure:
        once.release(token)
        if isinstance(failure, kayako.KayakoError) and not isinstance(failure, kayako.NotFound):
            raise form_error(failure) from failure
        raise
    once.done(token, sent.url)
    return sent


def _submit_error(error: kayako.KayakoError, *, guest: bool) -> ValidationError:
    if isinstance(error, kayako.Rejected) and error.code in CUSTOM_FIELD_ERRORS:
        kayako.invalidate("reference")
        return CustomFieldsChanged(error.user_message)
    fields = SUBMIT_ERROR_FIELDS if guest else {c: f for c, f in SUBMIT_ERROR_FIELDS.items() if f != "email"}
    return _form_error(error, fields)


def ticket_submit(*, request, token: str, email: str, full_name: str, department_id: int, priority_id: int,
                  subject: str, message: str, customs: dict, uploads: list[StagedUpload]) -> Sent:
    """Sends the ticket once per form token. Guests (not signed in) are rate limited per network
    and shown their ticket on a page of its own; customers find it in their list."""
    guest = not request.user.is_authenticated
    limit, window = settings.TICKETS_GUEST_RATE_LIMIT
    if guest and rate_limited(request, "guest-ticket", limit=limit, window_seconds=window):
        raise ValidationError(_("Several tickets were sent from your network lately. Please wait an hour, "
                                "or sign in to send more."))

    def send() -> Sent:
        with staging.offered(uploads) as attachments:
            submitted = kayako.submit_ticket(
                email=email, department_id=department_id, priority_id=priority_id, full_name=full_name,
                subject=subject, message=message, attachments=attachments, customs=customs,
            )
        staging.discard(uploads)
        url = (reverse("tickets:submitted", args=[submitted.mask]) if guest
               else reverse("tickets:detail", args=[submitted.id]))
        return Sent(url=url, ticket=submitted)

    return _send_once(token, send, earlier_default=reverse("tickets:list"),
                      form_error=lambda error: _submit_error(error, guest=guest))


def ticket_reply(*, email: str, ticket_id: int, token: str, reply: str, uploads: list[StagedUpload]) -> Sent:
    """Adds the reply once per form token."""
    def send() -> Sent:
        with staging.offered(uploads) as attachments:
            kayako.post_ticket_reply(email=email, ticket_id=ticket_id, reply=reply, attachments=attachments)
        staging.discard(uploads)
        return Sent(url=reverse("tickets:detail", args=[ticket_id]) + "#latest")

    return _send_once(token, send, earlier_default=reverse("tickets:detail", args=[ticket_id]),
                      form_error=lambda error: _form_error(error, REPLY_ERROR_FIELDS, default="reply"))


def ticket_update_properties(*, email: str, ticket_id: int, status_id: int = 0, priority_id: int = 0) -> None:
    """A new status or priority (0 keeps it); a refusal is a ValidationError."""
    with _refusals_as_form_errors():
        kayako.update_ticket_properties(email=email, ticket_id=ticket_id, new_status=status_id,
                                        new_priority=priority_id)


def ticket_set_custom_values(*, ticket: kayako.Ticket, values: dict[int, str | list[str]]) -> int:
    """Sets the values that changed; returns how many. A refusal is a ValidationError.

    setCustomFieldValue takes no email, so `ticket` must come from selectors.ticket_get with the
    customer's email in this request: that call is the ownership check.
    """
    current = {f.id: f for group in ticket.custom for f in group.fields}
    changed = 0
    for field_id, value in values.items():
        new = value if isinstance(value, list) else ([value] if value else [])
        old = current[field_id].values if field_id in current else []
        if new != old:
            with _refusals_as_form_errors():
                kayako.set_custom_field_value(ticket_id=ticket.id, custom_field_id=field_id, value=value)
            changed += 1
    return changed


def uploads_stage(*, request, files) -> list[StagedUpload]:
    """Stages new uploads, kept for a retry until a call delivers them; removes long-abandoned ones."""
    staged = [staging.stage(request, upload) for upload in files]
    staging.discard_expired()
    return staged
