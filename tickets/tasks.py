"""The tickets' background tasks (django-tasks); tickets/outbox.py has what they do."""

from django_tasks import task

from . import outbox


@task()
def deliver(entry_id: int) -> None:
    """One attempt at delivering an outbox entry to the helpdesk."""
    outbox.deliver(entry_id)
