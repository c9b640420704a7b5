"""The accounts' background tasks (django-tasks)."""

from django_tasks import task

from common.retries import retried

from . import notices


@task()
def mail_old_address(old_email: str, new_email: str, name: str, by_staff: bool, language: str = "",
                     attempt: int = 1) -> None:
    """Tells the address an account had that it has another now."""
    with retried(mail_old_address, old_email, new_email, name, by_staff, language, attempt=attempt):
        notices.old_address_mail(old_email=old_email, new_email=new_email, name=name, by_staff=by_staff,
                                 language=language)
