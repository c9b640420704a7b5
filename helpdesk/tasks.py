"""The embedded helpdesk's background tasks (django-tasks), on its own queue, run by its own
worker (`manage.py worker --settings=portal.settings.helpdesk`)."""

from django_tasks import task

from . import notifications


@task(queue_name="helpdesk")
def send_notification(notification_id: int) -> None:
    """One attempt at mailing a customer about their ticket."""
    notifications.deliver(notification_id)
