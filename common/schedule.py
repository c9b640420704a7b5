"""Periodic tasks (settings.PERIODIC_TASKS) on a task framework that has none (django-tasks).

Every worker process runs a small beat thread (`beat`) that once a second enqueues the periodic
tasks that are due. A row per task (PeriodicRun) says when it is next due, and the beat claims a
period with one conditional UPDATE (due <= now → due = now + every), so however many workers
run, on however many machines, each task is enqueued once a period. Nothing else is needed (no
cron, no separate scheduler process, no deferred task that a killed worker could lose), and it
works the same on the database and the RQ backend. A run that fails is due again after
PERIODIC_RETRY_SECONDS rather than a whole period later. `run_soon` runs one ahead of its period
for work just committed (the helpdesk's mails): one run queued at a time however many callers ask.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from .models import PeriodicRun

logger = logging.getLogger(__name__)
BEAT_SECONDS = 1.0
RUN_SOON_SLACK = timedelta(seconds=1)  # a queued run this much later than asked for will do
RUN_SOON_LOST_AFTER = timedelta(seconds=60)  # a run queued this long ago and not started was lost


@dataclass(frozen=True)
class Periodic:
    name: str
    function: str  # dotted path of a plain function
    every: timedelta


def own_queue() -> str:
    """This process's queue (settings.TASKS_QUEUE: the portal's or the embedded helpdesk's): its
    worker runs it, and its periodic tasks go to it."""
    return settings.TASKS_QUEUE


def periodic_tasks() -> dict[str, Periodic]:
    return {
        name: Periodic(name, entry["function"], timedelta(seconds=entry["every"]))
        for name, entry in settings.PERIODIC_TASKS.items()
    }


def tick(now: datetime | None = None) -> list[str]:
    """Enqueues the periodic tasks that are due (a new one is due at once); returns their names."""
    now = now or timezone.now()
    jobs = periodic_tasks()
    due = dict(PeriodicRun.objects.filter(name__in=jobs).values_list("name", "due"))
    for name in jobs.keys() - due.keys():
        PeriodicRun.objects.get_or_create(name=name, defaults={"due": now})
        due[name] = now
    started = []
    # Only what was read as due is claimed: a beat that finds nothing due writes nothing (on SQLite
    # every UPDATE takes the write lock, even one that changes no row, and each worker beats every second).
    for job in (jobs[name] for name, when in due.items() if when <= now):
        if PeriodicRun.objects.filter(name=job.name, due__lte=now).update(due=now + job.every, last_started=now):
            run_periodic.using(queue_name=own_queue()).enqueue(job.name)
            started.append(job.name)
    return started


def run_soon(name: str, at: datetime | None = None) -> None:
    """Queues a run of the periodic task `name` ahead of its period, for work a caller has just
    committed (or that falls due `at`), unless a run is queued that has not started yet and starts
    between `at` and RUN_SOON_SLACK after it. Such a run clears its mark when it starts, before it
    looks for work, so it finds the caller's, whatever the clocks of the machines or a backend that
    starts a deferred task early; the caller reads one row and writes nothing. A stream of callers
    keeps one run queued behind the one under way, not a run each."""
    now = timezone.now()
    at = max(at or now, now)
    for _conflict in range(3):
        run = PeriodicRun.objects.get_or_create(name=name, defaults={"due": now})[0]
        queued = run.queued_for
        if _serves(queued, at, now):
            return
        # Conditional on the row as read: of concurrent callers one queues the run; the others read again.
        if PeriodicRun.objects.filter(pk=run.pk, queued_for=queued).update(queued_for=at):
            later = {"run_after": at} if at > now else {}
            try:
                run_periodic.using(queue_name=own_queue(), **later).enqueue(name, at.isoformat())
            except Exception:  # no run is queued after all: the next caller queues one
                PeriodicRun.objects.filter(pk=run.pk, queued_for=at).update(queued_for=queued)
                raise
            return


def _serves(queued: datetime | None, at: datetime, now: datetime) -> bool:
    """Whether a run queued for `queued` (not started: it clears the mark when it starts) serves a
    caller whose work is due `at`."""
    if queued is None or queued < now - RUN_SOON_LOST_AFTER:  # none, or its task was lost
        return False
    if at == now:  # work due now: a run not yet started finds it, however late it is
        return queued <= now + RUN_SOON_SLACK
    return at <= queued <= at + RUN_SOON_SLACK


def beat(stop: threading.Event) -> None:
    """The worker's beat: `tick` every BEAT_SECONDS until `stop` is set."""
    while not stop.wait(BEAT_SECONDS):
        try:
            tick()
        except Exception:  # the database or the queue away for a moment: the next beat tries again
            logger.warning("periodic tasks: tick failed", exc_info=True)
        finally:
            close_old_connections()


@task()
def run_periodic(name: str, queued_for: str | None = None) -> None:
    """A run of a periodic task: of its period (`tick`), or asked for ahead of it (`run_soon`, which
    passes the time it was queued for: the mark this run clears before it starts the work)."""
    if queued_for is not None:
        PeriodicRun.objects.filter(name=name, queued_for=datetime.fromisoformat(queued_for)).update(queued_for=None)
    job = periodic_tasks().get(name)
    if job is None:  # removed from the settings since it was enqueued
        return
    try:
        import_string(job.function)()
    except Exception as error:
        retry = timezone.now() + min(job.every, timedelta(seconds=settings.PERIODIC_RETRY_SECONDS))
        PeriodicRun.objects.filter(name=name, due__gt=retry).update(due=retry)
        PeriodicRun.objects.filter(name=name).update(last_error=f"{type(error).__name__}: {error}"[:2000])
        logger.warning("periodic task %s failed; due again at %s", name, retry.isoformat(), exc_info=True)
    else:
        PeriodicRun.objects.filter(name=name).update(last_error="")


def prune_task_results() -> None:
    """The database backend keeps a row per task run; RQ expires its own."""
    from django.core.management import call_command
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

    if type(task_backends[DEFAULT_TASK_BACKEND_ALIAS]).__name__ == "DatabaseBackend":
        call_command("prune_db_task_results", min_age_days=1, verbosity=0)
