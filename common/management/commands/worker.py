"""The task worker: seeds the periodic tasks, then runs the configured backend's own worker.

    manage.py worker        database backend: django-tasks-db's db_worker
                            with REDIS_URL: django-rq's rqworker with RQ's scheduler (run_after)

Run as many as you like, on as many machines: tasks are claimed by the backend, outbox
entries and periodic runs by conditional updates in the database.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tasks import default_task_backend

from common import schedule


class Command(BaseCommand):
    help = "Run a task worker (the outbox deliveries and the periodic tasks)."

    def handle(self, *args, **options):
        schedule.seed()
        backend = type(default_task_backend).__name__
        if backend == "DatabaseBackend":
            call_command("db_worker", queue_name="*", interval=settings.TASKS_POLL_SECONDS, reload=False,
                         verbosity=options["verbosity"])
        elif backend == "RQBackend":
            # SimpleWorker runs jobs in this process: a forked job would rebuild the SOAP client
            # (the WSDL fetched and parsed) for every delivery.
            call_command("rqworker", *settings.RQ_QUEUES, with_scheduler=True,
                         worker_class="rq.worker.SimpleWorker", job_class="django_tasks_rq.Job",
                         verbosity=options["verbosity"])
        else:
            self.stderr.write(f"The {backend} task backend has no worker: tasks run where they are enqueued.")
