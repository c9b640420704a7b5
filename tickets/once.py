"""One-time form tokens: a double click or a reloaded POST never creates a second ticket or reply."""

import secrets
import time
from datetime import timedelta

from django.db import IntegrityError
from django.utils import timezone

from .models import FormSubmission

WAIT_FOR_FIRST_SECONDS = 8.0
KEEP_DAYS = 2


def new_token() -> str:
    return secrets.token_urlsafe(24)


def claim(token: str) -> tuple[bool, str]:
    """(True, "") when this request may go ahead; (False, url) when the token was used already.

    A second request while the first is still running waits for its result; the url is empty
    if none came in time.
    """
    if not token:
        return True, ""
    try:
        FormSubmission.objects.create(token=token)
    except IntegrityError:
        deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
        while True:
            first = FormSubmission.objects.filter(token=token).first()
            if first is None:  # the first attempt failed and released the token
                return claim(token)
            if first.result_url or time.monotonic() > deadline:
                return False, first.result_url
            time.sleep(0.2)
    if secrets.randbelow(50) == 0:
        FormSubmission.objects.filter(created__lt=timezone.now() - timedelta(days=KEEP_DAYS)).delete()
    return True, ""


def done(token: str, result_url: str) -> None:
    if token:
        FormSubmission.objects.filter(token=token).update(result_url=result_url)


def release(token: str) -> None:
    """The attempt failed: the same form may be sent again."""
    if token:
        FormSubmission.objects.filter(token=token, result_url="").delete()
