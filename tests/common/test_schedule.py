"""Periodic tasks chained with run_after: once a period however many chains exist, again soon
after a failure, restarted by the next worker start when a chain is lost."""

import pytest

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


def test_each_period_runs_once_however_often_the_worker_starts(worker, later):
    schedule.seed()
    schedule.seed()  # a second worker starting: a second chain
    worker()
    assert runs == ["ok"]
    with later(300):
        worker()
    assert runs == ["ok"]
    with later(601):
        worker()
    assert runs == ["ok", "ok"]
    with later(1202):
        worker()
    assert runs == ["ok", "ok", "ok"]


def test_a_failed_run_is_tried_again_before_the_next_period(worker, later, settings):
    settings.PERIODIC_TASKS = {"fail": {"function": f"{__name__}.fail_run", "every": 3600}}
    schedule.seed()
    worker()
    assert runs == ["failed"]
    assert "the helpdesk is down" in PeriodicRun.objects.get(name="fail").last_error
    with later(settings.PERIODIC_RETRY_SECONDS + 1):
        worker()
    assert runs == ["failed", "failed"]


def test_a_lost_chain_is_restarted_by_the_next_worker_start(worker, later):
    from django_tasks_db.models import DBTaskResult

    schedule.seed()
    worker()
    DBTaskResult.objects.filter(status="READY").delete()  # the queued next run is lost
    with later(601):
        worker()
        assert runs == ["ok"]
        schedule.seed()
        worker()
    assert runs == ["ok", "ok"]
