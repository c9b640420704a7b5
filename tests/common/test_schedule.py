"""Periodic tasks: the workers' beat enqueues each once a period however many workers tick, and
a failed run again soon."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from common import schedule
from common.models import PeriodicRun

runs: list[str] = []


def count_run() -> None:
    runs.append("ok")


def fail_run() -> None:
    runs.append("failed")
    raise RuntimeError("the helpdesk is down")


@pytest.fixture(autouse=True)
def _periodic(settings, transactional_db):
    runs.clear()
    settings.PERIODIC_TASKS = {"count": {"function": f"{__name__}.count_run", "every": 600}}


def test_each_period_runs_once_however_many_workers_tick(worker, later):
    assert schedule.tick() == ["count"]  # new: due at once
    assert schedule.tick() == []  # a second worker's beat in the same period
    worker()
    assert runs == ["ok"]
    with later(300):
        assert schedule.tick() == []
    with later(601):
        assert schedule.tick() == ["count"]
        assert schedule.tick() == []
        worker()
    assert runs == ["ok", "ok"]


def test_a_beat_that_finds_nothing_due_writes_nothing():
    schedule.tick()
    with CaptureQueriesContext(connection) as queries:
        assert schedule.tick() == []
    assert [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")] == []


def test_a_failed_run_is_due_again_before_the_next_period(worker, later, settings):
    settings.PERIODIC_TASKS = {"fail": {"function": f"{__name__}.fail_run", "every": 3600}}
    schedule.tick()
    worker()
    assert runs == ["failed"]
    assert "the helpdesk is down" in PeriodicRun.objects.get(name="fail").last_error
    with later(settings.PERIODIC_RETRY_SECONDS - 5):
        assert schedule.tick() == []
    with later(settings.PERIODIC_RETRY_SECONDS + 1):
        assert schedule.tick() == ["fail"]
        worker()
    assert runs == ["failed", "failed"]


def test_run_soon_keeps_one_run_queued_for_a_stream_of_callers(worker):
    schedule.run_soon("count")
    with CaptureQueriesContext(connection) as queries:
        schedule.run_soon("count")  # the run queued has not started: it will find this caller's work
        schedule.run_soon("count")
    assert [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")] == []
    assert DBTaskResult.objects.count() == 1
    worker()
    assert runs == ["ok"] and PeriodicRun.objects.get(name="count").queued_for is None  # cleared as it started
    schedule.run_soon("count")  # after it started: a new run
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    worker()
    assert runs == ["ok", "ok"]


def test_run_soon_at_a_time_is_served_only_by_a_run_that_starts_then(worker, later):
    at = timezone.now() + timedelta(seconds=30)
    schedule.run_soon("count", at=at)
    schedule.run_soon("count", at=at - timedelta(seconds=0.5))  # the queued one starts at most a second later
    assert DBTaskResult.objects.count() == 1
    schedule.run_soon("count", at=at + timedelta(seconds=5))  # it would start before this work is due
    assert DBTaskResult.objects.count() == 2
    worker()
    assert runs == []
    with later(31):
        worker()
    assert runs == ["ok"]
    with later(36):
        worker()
    assert runs == ["ok", "ok"]


def test_run_soon_queues_again_when_the_queued_run_was_lost(worker, later):
    schedule.run_soon("count")
    DBTaskResult.objects.all().delete()  # the queue lost it
    schedule.run_soon("count")
    assert DBTaskResult.objects.count() == 0  # taken as queued for a while
    with later(61):
        schedule.run_soon("count")
        worker()
    assert runs == ["ok"]


def test_the_beat_ticks_until_stopped(worker, monkeypatch):
    monkeypatch.setattr(schedule, "BEAT_SECONDS", 0.05)
    stop = threading.Event()
    beat = threading.Thread(target=schedule.beat, args=(stop,))
    beat.start()
    try:
        for _ in range(100):
            if PeriodicRun.objects.filter(name="count", last_started__isnull=False).exists():
                break
            stop.wait(0.05)
    finally:
        stop.set()
        beat.join(timeout=5)
    assert not beat.is_alive()
    worker()
    assert runs == ["ok"]


def test_each_process_s_worker_runs_its_own_queue(settings, monkeypatch):
    """The portal's worker runs the portal's tasks, the embedded helpdesk's worker its own (its
    settings name its queue), periodic tasks included."""
    from django_tasks_db.models import DBTaskResult

    from common.management.commands import worker

    settings.TASKS_QUEUE = "helpdesk"
    schedule.tick()
    assert set(DBTaskResult.objects.values_list("queue_name", flat=True)) == {"helpdesk"}
    commands = []
    monkeypatch.setattr(worker, "call_command", lambda *args, **kwargs: commands.append((args, kwargs)))
    worker.Command().work("DatabaseBackend", 0)
    worker.Command().work("RQBackend", 0)
    assert commands[0][1]["queue_name"] == "helpdesk" and commands[1][0] == ("rqworker", "helpdesk")
