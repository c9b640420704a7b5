"""The task worker: the configured backend's own worker, with the beat of the periodic tasks
(common/schedule.py) in a thread beside it.

    manage.py worker        database backend: django-tasks-db's db_worker
                            with REDIS_URL: django-rq's rqworker with RQ's scheduler (run_after)

It runs the queue of its settings (TASKS_QUEUE): the portal's worker the portal's tasks,
`manage.py worker --settings=portal.settings.helpdesk` the embedded helpdesk's (its mails).
Run as many as you like, on as many machines: tasks are claimed by the backend, outbox
entries and periodic runs by conditional updates in the database.
"""

import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from common import schedule


class Command(BaseCommand):
    help = "Run a task worker (the outbox deliveries and the periodic tasks)."

    def handle(self, *args, **options):
        backend = type(task_backends[DEFAULT_TASK_BACKEND_ALIAS]).__name__
        if backend not in ("DatabaseBackend", "RQBackend"):
            raise CommandError(f"The {backend} task backend has no worker: its tasks run where they are enqueued.")
        stop = threading.Event()
        threading.Thread(target=schedule.beat, args=(stop,), name="periodic-beat", daemon=True).start()
        try:
            self.work(backend, options["verbosity"])
        finally:
            stop.set()

    def work(self, backend: str, verbosity: int) -> None:
        if backend == "DatabaseBackend":
            call_command("db_worker", queue_name=schedule.own_queue(),
                         interval=settings.TASKS_POLL_SECONDS, reload=False, verbosity=verbosity)
        else:
            # SimpleWorker runs jobs in this process: a forked job would rebuild the SOAP client
            # (the WSDL fetched and parsed) for every delivery.
            call_command("rqworker", schedule.own_queue(), with_scheduler=True,
                         worker_class="rq.worker.SimpleWorker", job_class="django_tasks_rq.Job",
                         verbosity=verbosity)
