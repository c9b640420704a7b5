"""The tickets' background tasks (django-tasks); tickets/outbox.py and guests.py have what they do.

Delivery has its own retries (the outbox's back-off, drains and sweep); the smaller tasks here are tried
again when they fail (common.retries).
"""

from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task, task_backends
from django_tasks.base import DEFAULT_TASK_PRIORITY

import kayako
from common.retries import retried

from . import guests, outbox, search

HELPDESK_FAILURES = (kayako.Unavailable, kayako.ProtocolError)
# The priority of the follow-ups of deliveries (index refreshes, reopening checks): below the
# default where the backend orders tasks by priority (the database backend does; RQ runs a queue in
# order and refuses any other priority), so that they wait while drains are queued. During a backlog a
# customer's many deliveries then share one refresh after it, instead of the workers' time going to a
# refresh every few deliveries and a check per reply (a quarter of it in the load bench) while
# customers wait for their tickets to arrive. (Like @task itself, it reads the backend at import.)
BEHIND_DELIVERIES = -10 if task_backends[DEFAULT_TASK_BACKEND_ALIAS].supports_priority else DEFAULT_TASK_PRIORITY


@task()
def drain() -> None:
    """The outbox's due entries delivered to the helpdesk, oldest first (outbox.drain)."""
    outbox.drain()


@task(priority=BEHIND_DELIVERIES)
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


@task(priority=BEHIND_DELIVERIES)
def refresh_ticket_index(email: str, attempt: int = 1) -> None:
    """A customer's tickets copied into the index that their searches read."""
    with retried(refresh_ticket_index, email, attempt=attempt, errors=HELPDESK_FAILURES):
        search.refresh(email)
