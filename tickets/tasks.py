"""The tickets' background tasks (django-tasks); tickets/outbox.py and guests.py have what they do.

Delivery has its own retries (the outbox's back-off, drains and sweep); the smaller tasks here are tried
again when they fail (common.retries).
"""

from django_tasks import task

import kayako
from common.retries import retried

from . import guests, outbox, search

HELPDESK_FAILURES = (kayako.Unavailable, kayako.ProtocolError)
# Below the default: where the backend orders tasks by priority (the database backend does; RQ runs
# a queue in order), the follow-ups of deliveries (index refreshes, reopening checks) wait while
# drains are queued. During a backlog a customer's many deliveries then share one refresh after it,
# instead of the workers' time going to a refresh every few deliveries and a check per reply (a
# quarter of it in the load bench) while customers wait for their tickets to arrive.
BEHIND_DELIVERIES = -10


def behind_deliveries(task):
    """`task`, run after the drains queued before it finishes (where the backend can)."""
    return task.using(priority=BEHIND_DELIVERIES) if task.get_backend().supports_priority else task


@task()
def drain() -> None:
    """The outbox's due entries delivered to the helpdesk, oldest first (outbox.drain)."""
    outbox.drain()


@task()
def reopen_if_closed(entry_id: int, attempt: int = 1) -> None:
    """After a reply was delivered: its ticket reopened if it is closed."""
    with retried(reopen_if_closed, entry_id, attempt=attempt, errors=HELPDESK_FAILURES):
        outbox.reopen_if_closed(entry_id)


@task()
def mail_confirmation(entry_id: int, attempt: int = 1) -> None:
    """The confirmation link of a guest's ticket, mailed to the address it gave."""
    with retried(mail_confirmation, entry_id, attempt=attempt):
        outbox.mail_confirmation(entry_id)


@task()
def mail_guest_link(email: str, mask: str, language: str = "", attempt: int = 1) -> None:
    """A guest's lookup: a link to the ticket with this number, if `email` has one (in the language
    the guest asked in)."""
    with retried(mail_guest_link, email, mask, language, attempt=attempt):
        guests.mail_link(email=email, mask=mask, language=language)


@task()
def refresh_ticket_index(email: str, attempt: int = 1) -> None:
    """A customer's tickets copied into the index that their searches read."""
    with retried(refresh_ticket_index, email, attempt=attempt, errors=HELPDESK_FAILURES):
        search.refresh(email)
