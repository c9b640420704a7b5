"""Mails to customers about their tickets: the ticket received, every staff reply, and the status
changes they care about (closed, waiting for them), each with a link to the ticket in the portal.

`announce` writes a Notification in the transaction of what it announces and, once that commits,
asks for a run of `send_due` on the helpdesk's own worker (schedule.run_soon: a burst of tickets
keeps one run queued, not a task each); no request waits on the mail server. The run takes
notifications with conditional UPDATEs that also move their next attempt on (a lease: if the
worker dies, a notification is due again then), sends each and marks it sent. A failure waits for
its next attempt: 30 s, then twice as long each time, at most an hour, HELPDESK_MAIL_ATTEMPTS
times in all, by a run asked for then. `send_due` is also periodic (every 30 s: what a lost run
left); `purge_sent` (hourly) removes the records of mails sent long ago.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import schedule
from common.html import html_to_plain, plain_text, sanitize

from .models import Notification, Status, Ticket, TicketPost

logger = logging.getLogger(__name__)

Event = Notification.Event
MAX_RETRY_SECONDS = 3600
TAKE_BATCH = 20  # taken at once
SEND_BATCHES = 25  # a run sends at most this many batches, then asks for the next run
MAIL_RUN = "helpdesk-mails"  # send_due's name in PERIODIC_TASKS


# --- writing (in the transaction of what is announced) -------------------------------------------


def announce(*, ticket: Ticket, event: str, post: TicketPost | None = None, status: Status | None = None) -> None:
    Notification.objects.create(ticket=ticket, event=event, post=post, status=status)
    transaction.on_commit(lambda: schedule.run_soon(MAIL_RUN), robust=True)


def is_announced(status: Status) -> bool:
    """A status the customer hears about: public, and closed or waiting for them."""
    return status.ispublic and status.meaning in Status.ANNOUNCED


def staff_changed(*, ticket: Ticket, post: TicketPost | None, status_changed: bool) -> None:
    """A change made in the staff desk: a reply is always mailed (with the new status, if the same
    change gave one the customer hears about); a status change alone only if they hear about it."""
    status = ticket.status if status_changed and is_announced(ticket.status) else None
    if post is not None:
        announce(ticket=ticket, event=Event.REPLY, post=post, status=status)
    elif status is not None:
        announce(ticket=ticket, event=Event.STATUS, status=status)


# --- sending (in the helpdesk's worker) ------------------------------------------------------------


def _retry_delay(attempt: int) -> timedelta:
    return timedelta(seconds=min(settings.HELPDESK_MAIL_RETRY_SECONDS * 2 ** (attempt - 1), MAX_RETRY_SECONDS))


def _due(now):
    return Notification.objects.filter(sent_at=None, failed_at=None, next_attempt_at__lte=now)


def _take(now) -> list[tuple[Notification, int, datetime]]:
    """The oldest due notifications (up to TAKE_BATCH), each with its attempt and the end of its
    lease: taken by conditional UPDATEs that move their next attempt on (should this worker die,
    they are due again then), in one transaction (on SQLite one write lock a batch, not one a mail).
    A notification another run took first is left to it."""
    taken = []
    with transaction.atomic():
        for notification in _due(now).select_related("ticket__customer", "post", "status").order_by(
                "next_attempt_at", "pk")[:TAKE_BATCH]:
            attempt = notification.attempts + 1
            # Long enough for the first send of the batch to finish within it, whatever EMAIL_TIMEOUT says.
            lease = now + max(_retry_delay(attempt), timedelta(seconds=2 * settings.EMAIL_TIMEOUT))
            if _due(now).filter(pk=notification.pk, attempts=notification.attempts).update(
                    attempts=attempt, next_attempt_at=lease):
                taken.append((notification, attempt, lease))
    return taken


def _held(notification: Notification, attempt: int):
    """The notification while this run holds it (no other run took it since)."""
    return Notification.objects.filter(pk=notification.pk, attempts=attempt, sent_at=None, failed_at=None)


def _release(rest: list[tuple[Notification, int, datetime]]) -> None:
    """Taken and not tried (the lease would run out during the send): due again at once, as they were."""
    with transaction.atomic():
        for notification, attempt, _lease in rest:
            _held(notification, attempt).update(attempts=attempt - 1, next_attempt_at=timezone.now())


def _failed(notification: Notification, attempt: int, reason: str) -> None:
    if attempt >= settings.HELPDESK_MAIL_ATTEMPTS:
        _held(notification, attempt).update(failed_at=timezone.now(), last_error=reason[:2000])
        logger.error("mail %s to %s given up after %s attempts: %s", notification.pk,
                     notification.ticket.customer.email, attempt, reason)
        return
    retry_at = timezone.now() + _retry_delay(attempt)  # from the failure: a slow one does not eat the wait
    _held(notification, attempt).update(next_attempt_at=retry_at, last_error=reason[:2000])
    logger.warning("mail %s: attempt %s failed (%s); next at %s", notification.pk, attempt, reason, retry_at.isoformat())
    schedule.run_soon(MAIL_RUN, at=retry_at)


def send_due() -> None:
    """Sends the notifications that are due, oldest first (new ones, those whose next attempt has
    come, those a killed worker held), each marked sent as soon as it went out."""
    for _batch_number in range(SEND_BATCHES):
        batch = _take(timezone.now())
        for position, (notification, attempt, lease) in enumerate(batch):
            if timezone.now() + timedelta(seconds=settings.EMAIL_TIMEOUT) >= lease:
                _release(batch[position:])  # another run may take them once the lease is over
                break
            try:
                message(notification).send()
            except Exception as error:
                _failed(notification, attempt, f"{type(error).__name__}: {error}")
            else:
                _held(notification, attempt).update(sent_at=timezone.now(), last_error="")
        if len(batch) < TAKE_BATCH:
            return
    schedule.run_soon(MAIL_RUN)  # more may be due


def purge_sent() -> None:
    """Removes the records of mails sent more than HELPDESK_MAIL_KEEP_DAYS ago."""
    Notification.objects.filter(
        sent_at__lt=timezone.now() - timedelta(days=settings.HELPDESK_MAIL_KEEP_DAYS)).delete()


# --- the mail ---------------------------------------------------------------------------------------


def ticket_url(ticket: Ticket) -> str:
    """The ticket's page in the portal (HELPDESK_TICKET_URL, with {id} and {mask} filled in)."""
    template = settings.HELPDESK_TICKET_URL or f"{settings.PORTAL_PUBLIC_URL}/tickets/{{id}}/"
    return template.format(id=ticket.pk, mask=ticket.mask)


def _context(notification: Notification) -> dict:
    ticket, post = notification.ticket, notification.post
    context = {
        "event": notification.event, "ticket": ticket, "customer_name": ticket.customer.fullname,
        "subject": " ".join(ticket.subject.split()), "status": notification.status, "url": ticket_url(ticket),
        "closed": notification.status is not None and notification.status.meaning == Status.Meaning.CLOSED,
    }
    if post is not None:
        context.update(
            post=post, attachments=list(post.attachments.all()),
            reply_text=html_to_plain(post.contents) if post.ishtml else post.contents.strip(),
            reply_html=sanitize(post.contents) if post.ishtml else plain_text(post.contents.strip()),
        )
    return context


def message(notification: Notification) -> EmailMultiAlternatives:
    """The mail, in plain text and HTML, in the site's language."""
    context = _context(notification)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[%(mask)s] %(subject)s") % {"mask": notification.ticket.mask, "subject": context["subject"]}
        text = render_to_string("helpdesk/email/notification.txt", context)
        html = render_to_string("helpdesk/email/notification.html", {**context, "title": subject})
    # RFC 3834: the acknowledgement of a new ticket is an automatic answer (no out-of-office replies to it).
    headers = {"Auto-Submitted": "auto-replied"} if notification.event == Event.CREATED else {}
    mail = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [notification.ticket.customer.email],
                                  headers=headers)
    mail.attach_alternative(html, "text/html")
    return mail
