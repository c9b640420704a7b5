"""Periodic tasks on a task framework that has none (django-tasks): each run enqueues the next
with `run_after`, and a row per task (PeriodicRun) says when it is due.

Why this shape: it needs nothing beside the worker (no cron, no beat process), works the same on
the database and the RQ backend, and cannot run a task twice in a period. A run first claims the
period with one conditional UPDATE (due <= now → due = now + every); a run that finds nothing to
claim is a duplicate and ends its chain. `seed()` at every worker start enqueues one run per task
at its due time, which restarts a chain that a killed worker broke, and is harmless otherwise.
A run that fails is tried again after PERIODIC_RETRY_SECONDS rather than a whole period later.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from .models import PeriodicRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    function: str  # dotted path of a plain function
    every: timedelta


def periodic_tasks() -> dict[str, Periodic]:
    return {
        name: Periodic(name, entry["function"], timedelta(seconds=entry["every"]))
        for name, entry in settings.PERIODIC_TASKS.items()
    }


def _enqueue(name: str, when: datetime) -> None:
    run_periodic.using(run_after=when).enqueue(name)


def seed() -> None:
    """One run of every periodic task at its due time (now for a new one)."""
    now = timezone.now()
    for name in periodic_tasks():
        run, _ = PeriodicRun.objects.get_or_create(name=name, defaults={"due": now})
        _enqueue(name, max(run.due, now))


def _claim(job: Periodic, now: datetime) -> bool:
    """Whether this run owns the current period; if so the next run is enqueued at once (in the
    same transaction on the database backend), so the chain survives whatever the task does."""
    with transaction.atomic():
        claimed = PeriodicRun.objects.filter(name=job.name, due__lte=now).update(
            due=now + job.every, last_started=now)
        if claimed:
            _enqueue(job.name, now + job.every)
    return bool(claimed)


@task()
def run_periodic(name: str) -> None:
    job = periodic_tasks().get(name)
    if job is None:  # removed from the settings since it was enqueued: its chain ends
        return
    now = timezone.now()
    if not _claim(job, now):
        return
    try:
        import_string(job.function)()
    except Exception as error:
        retry = now + min(job.every, timedelta(seconds=settings.PERIODIC_RETRY_SECONDS))
        PeriodicRun.objects.filter(name=name).update(due=retry, last_error=f"{type(error).__name__}: {error}"[:2000])
        _enqueue(name, retry)
        logger.warning("periodic task %s failed; again at %s", name, retry.isoformat(), exc_info=True)
    else:
        PeriodicRun.objects.filter(name=name).update(last_error="")


def prune_task_results() -> None:
    """The database backend keeps a row per task run; RQ expires its own."""
    from django.core.management import call_command
    from django_tasks import default_task_backend

    if type(default_task_backend).__name__ == "DatabaseBackend":
        call_command("prune_db_task_results", min_age_days=1, verbosity=0)
