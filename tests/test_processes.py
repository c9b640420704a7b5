"""Several machines' worth of processes: the embedded helpdesk, two portal servers (gunicorn, with
deploy/gunicorn.conf.py) and a task worker, each a process of its own as in production, sharing
a database of their own and uploads on shared storage. On SQLite they use the database task
backend; under `scripts/test --postgres`, a fresh PostgreSQL database and Redis (RQ).

Customers submit at the same time through both portals, each with an attachment, some pressing
Send twice on two servers at once; the worker is killed outright halfway and another started.
Every ticket reaches the helpdesk exactly once, with its attachment.
"""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from django.conf import settings

from bench.world import customers_snippet, free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
CUSTOMERS = 6
ROUNDS = 2  # of submissions per customer, the worker killed between them

OUTCOME = """
import json
from helpdesk.models import Ticket
from tickets.models import OutboxEntry
tickets = Ticket.objects.filter(subject__startswith="Process test")
print(json.dumps({
    "subjects": sorted(t.subject for t in tickets),
    "attachments": sorted(a.name for t in tickets for a in t.attachments.all()),
    "outbox": sorted(OutboxEntry.objects.values_list("status", flat=True)),
}))
"""


class Processes:
    def __init__(self, workdir: Path, database_url: str, redis_url: str):
        self.portals = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
        helpdesk = f"http://127.0.0.1:{free_port()}"
        self.helpdesk = helpdesk
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.portal",
            "DATABASE_URL": database_url, "REDIS_URL": redis_url,
            "MEDIA_ROOT": str(workdir / "media"),  # the shared storage of staged uploads
            "SECRET_KEY": secrets.token_urlsafe(50), "DEBUG": "false", "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "127.0.0.1", "EMAIL_URL": f"filemail:///{workdir / 'mail'}",
            # The helpdesk fetches staged uploads from the first portal, whichever took them.
            "PORTAL_PUBLIC_URL": self.portals[0], "HELPDESK_PUBLIC_URL": helpdesk,
            "KAYAKO_API_URL": f"{helpdesk}/integrationapi/index.php",
            "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4",
            # A killed worker's deliveries are taken over soon, for the test's sake.
            "OUTBOX_CLAIM_SECONDS": "12", "OUTBOX_SWEEP_SECONDS": "2",
        }
        self.running: dict[str, subprocess.Popen] = {}

    def manage(self, *args: str, settings_module: str = "portal.settings.portal") -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                                env={**self.env, "DJANGO_SETTINGS_MODULE": settings_module}, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def start(self, name: str, *command: str, settings_module: str = "portal.settings.portal") -> None:
        self.running[name] = subprocess.Popen(
            command, cwd=ROOT, env={**self.env, "DJANGO_SETTINGS_MODULE": settings_module},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def gunicorn(self, name: str, application: str, url: str, settings_module: str) -> None:
        self.start(name, sys.executable, "-m", "gunicorn", application, "--config", "deploy/gunicorn.conf.py",
                   "--bind", urlsplit(url).netloc, settings_module=settings_module)

    def worker(self, name: str) -> None:
        self.start(name, sys.executable, "manage.py", "worker")

    def kill(self, name: str) -> None:
        process = self.running.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.running.values():
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for process in self.running.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def database_url():
    """A database of their own: a SQLite file, or a new database on the suite's PostgreSQL server."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        workdir = Path(tempfile.mkdtemp(prefix="portal-processes-db-"))
        yield f"sqlite:///{workdir / 'processes.sqlite3'}"
        shutil.rmtree(workdir, ignore_errors=True)
        return
    import psycopg

    name = f"portal_processes_{secrets.token_hex(4)}"
    server = {"host": database["HOST"], "port": database["PORT"] or 5432, "user": database["USER"],
              "password": database["PASSWORD"], "dbname": "postgres"}
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(os.environ["DATABASE_URL"])
    yield urlunsplit(url._replace(path=f"/{name}"))
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def processes(database_url, tmp_path):
    redis_url = os.environ.get("TEST_REDIS_URL", "") if "postgres" in database_url else ""
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    world = Processes(tmp_path, database_url, redis_url)
    world.manage("migrate", "--noinput", "-v0")
    world.manage("seed_demo", "-v0", settings_module="portal.settings.helpdesk")
    world.sessions = json.loads(world.manage("shell", "-c", customers_snippet(CUSTOMERS)).strip().splitlines()[-1])
    try:
        world.gunicorn("helpdesk", "helpdesk.wsgi:application", world.helpdesk, "portal.settings.helpdesk")
        for number, url in enumerate(world.portals):
            world.gunicorn(f"portal{number}", "portal.wsgi:application", url, "portal.settings.portal")
        world.worker("worker")
        for url in (f"{world.helpdesk}/integrationapi/index.php?wsdl", *[f"{u}/health/" for u in world.portals]):
            wait_until_up(url)
        yield world
    finally:
        world.stop()


def submit(world: Processes, email: str, round_number: int) -> set[str]:
    """One ticket with an attachment through one portal; the first round's is sent twice at once,
    through both portals (a double click with a load balancer between). Returns its references."""
    customer = email.split("@")[0]
    portal = world.portals[(round_number + int(customer[-1])) % 2]
    client = requests.Session()
    client.cookies.set("sessionid", world.sessions[email])
    form = client.get(f"{portal}/tickets/new/", timeout=30)
    assert form.status_code == 200, form.text[:500]
    token = re.search(r'name="form_token" value="([^"]+)"', form.text).group(1)
    department = re.search(r'<option value="(\d+)"[^>]*>Billing</option>', form.text).group(1)  # no custom fields
    priority = re.search(r'name="priority"[^>]*>\s*<option value="(\d+)"', form.text).group(1)
    data = {"csrfmiddlewaretoken": client.cookies["csrftoken"], "form_token": token, "department": department,
            "priority": priority, "subject": f"Process test {customer} round {round_number}",
            "message": f"Sent by {customer} in round {round_number}."}

    def send(url: str) -> str:
        response = client.post(f"{url}/tickets/new/", data=data, allow_redirects=False, timeout=30,
                               files={"attachments": (f"{customer}-{round_number}.txt", b"a line\n", "text/plain")},
                               headers={"Referer": f"{url}/tickets/new/"})
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]

    urls = world.portals if round_number == 0 else [portal]
    with ThreadPoolExecutor(len(urls)) as pool:
        return set(pool.map(send, urls))


def test_two_portals_and_a_worker_deliver_every_ticket_once(processes):
    world = processes
    references = set()
    with ThreadPoolExecutor(CUSTOMERS) as pool:
        for round_number in range(ROUNDS):
            sent = list(pool.map(lambda email, n=round_number: submit(world, email, n), world.sessions))
            assert all(len(locations) == 1 for locations in sent)  # the double submissions stored once
            references |= set.union(*sent)
            if round_number == 0:
                time.sleep(0.3)  # deliveries under way
                world.kill("worker")  # outright, whatever it is doing
                world.worker("worker-2")
    expected = sorted(f"Process test customer{c} round {r}" for c in range(CUSTOMERS) for r in range(ROUNDS))
    assert len(references) == len(expected)
    deadline = time.monotonic() + 120
    while True:
        outcome = json.loads(world.manage("shell", "-c", OUTCOME).strip().splitlines()[-1])
        if set(outcome["outbox"]) == {"delivered"} or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert outcome["outbox"] == ["delivered"] * len(expected)
    assert outcome["subjects"] == expected  # every ticket, none twice
    assert outcome["attachments"] == sorted(f"customer{c}-{r}.txt" for c in range(CUSTOMERS) for r in range(ROUNDS))
