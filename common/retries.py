"""Small background tasks tried again when they fail: 30 s later, then twice as long each time,
ATTEMPTS times in all (django-tasks has no retries of its own)."""

import logging
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone

logger = logging.getLogger(__name__)
ATTEMPTS = 6
FIRST_DELAY_SECONDS = 30


@contextmanager
def retried(again, *args, attempt: int, errors: tuple[type[Exception], ...] = (Exception,)):
    """Runs the block; if it fails with one of `errors`, enqueues the task `again(*args)` for later
    (its `attempt` keyword counting), or, after the last attempt, lets the error through."""
    try:
        yield
    except errors as error:
        if attempt >= ATTEMPTS:
            raise
        when = timezone.now() + timedelta(seconds=FIRST_DELAY_SECONDS * 2 ** (attempt - 1))
        logger.warning("%s%r failed (%s); trying again at %s", again.name, args, error, when.isoformat())
        again.using(run_after=when).enqueue(*args, attempt=attempt + 1)
