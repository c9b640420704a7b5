"""The load benchmark of issue 13 (a figure, not a test): signed-in customers against the servers
as scripts/run starts them (supervisord with deploy/supervisord.conf), on a fresh database in a
temporary folder and free loopback ports, the helpdesk stopped for a while in the middle.

    scripts/bench-load            (LOAD_CUSTOMERS=50 LOAD_SECONDS=60 LOAD_OUTAGE=20:30 by default)

First 10 customers submit at the same moment, each with an attachment (every one acknowledged
within 1 s? delivered?). Then each customer, in a loop without pause: the list 30 %, a ticket
25 %, a new ticket 30 % (a 1-line attachment on every second one), a reply 15 %; on an
"unavailable" answer they press Send again, up to twice. The helpdesk's processes are stopped at
the outage's start and started at its end. Reports tickets acknowledged and created, duplicate
tickets and replies, 5xx outside the outage, submit latencies, and how long after the helpdesk
is back every pending item is delivered. Writes bench/results/load-latest.{md,json}.
"""

import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import urllib3

from bench.world import customers_snippet, free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CUSTOMERS = int(os.environ.get("LOAD_CUSTOMERS", "50"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
OUTAGE = tuple(float(t) for t in os.environ.get("LOAD_OUTAGE", "20:30").split(":"))
ACTIONS = [("list", 30), ("view", 25), ("submit", 30), ("reply", 15)]

TICKETS_SNIPPET = """
import json
from django.core.management import call_command
from helpdesk.models import Department, Priority, Ticket
for number in range(COUNT):
    call_command("seed_demo", tickets=3, email=f"customer{number}@example.com", verbosity=0)
print(json.dumps({
    "tickets": {e: list(Ticket.objects.filter(customer__email=e).values_list("id", flat=True))
                for e in [f"customer{n}@example.com" for n in range(COUNT)]},
    "department": Department.objects.get(title="Billing").pk,
    "priority": Priority.objects.get(title="Low").pk,
}))
"""

OUTCOME_SNIPPET = """
import json
from django.db.models import Count
from helpdesk.models import Ticket, TicketPost
from tickets.models import OutboxEntry
subjects = Ticket.objects.filter(subject__startswith="Load ").values("subject").annotate(n=Count("id"))
replies = TicketPost.objects.filter(contents__startswith="Load reply ").values("contents").annotate(n=Count("id"))
entries = OutboxEntry.objects.all()
print(json.dumps({
    "tickets": sum(s["n"] for s in subjects), "distinct_tickets": len(subjects),
    "replies": sum(r["n"] for r in replies), "distinct_replies": len(replies),
    "in_flight": entries.filter(status__in=OutboxEntry.IN_FLIGHT).count(),
    "rejected": entries.filter(status="rejected").count(),
    "delivered": [[e.reference, e.created.timestamp(), e.delivered_at.timestamp()]
                  for e in entries.filter(status="delivered")],
}))
"""


class World:
    """The processes as scripts/run starts them, on a fresh database and free ports."""

    def __init__(self):
        self.workdir = Path(tempfile.mkdtemp(prefix="portal-load-"))
        port, helpdesk_port, files_port = free_port(), free_port(), free_port()
        self.portal, self.helpdesk = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{helpdesk_port}"
        self.files = f"http://127.0.0.1:{files_port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.portal",
            "DATABASE_URL": os.environ.get("LOAD_DATABASE_URL", f"sqlite:///{self.workdir / 'load.sqlite3'}"),
            "MEDIA_ROOT": str(self.workdir / "media"), "RUN_DIR": str(self.workdir / "run"), "LOG_DIR": str(self.workdir / "run"),
            "SECRET_KEY": secrets.token_urlsafe(50), "LOG_LEVEL": "WARNING", "ALLOWED_HOSTS": "127.0.0.1",
            "EMAIL_URL": f"filemail:///{self.workdir / 'mail'}",
            "PORT": str(port), "HELPDESK_PORT": str(helpdesk_port), "PORTAL_PUBLIC_URL": self.portal,
            "FILES_PORT": str(files_port), "STAGED_FILES_URL": self.files,
            "HELPDESK_PUBLIC_URL": self.helpdesk, "KAYAKO_API_URL": f"{self.helpdesk}/integrationapi/index.php",
            "WORKER_PROCESSES": os.environ.get("WORKER_PROCESSES", "3"),
            "DEMO_MODE": "true",  # the demo data and credentials, with DEBUG off
        }
        (self.workdir / "run").mkdir()
        self.supervisor: subprocess.Popen | None = None

    def manage(self, *args: str, settings_module="portal.settings.portal") -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                                env={**self.env, "DJANGO_SETTINGS_MODULE": settings_module})
        if result.returncode:
            sys.exit(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
        return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""

    def prepare(self) -> dict:
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.manage("seed_demo", "-v0", settings_module="portal.settings.helpdesk")
        sessions = json.loads(self.manage("shell", "-c", customers_snippet(CUSTOMERS)))
        seeded = json.loads(self.manage("shell", "-c", TICKETS_SNIPPET.replace("COUNT", str(CUSTOMERS)),
                                        settings_module="portal.settings.helpdesk"))
        return {"sessions": sessions, **seeded}

    def start(self) -> None:
        self.supervisor = subprocess.Popen(
            [str(ROOT / ".venv/bin/supervisord"), "-c", "deploy/supervisord.conf"], cwd=ROOT, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_up(f"{self.helpdesk}/integrationapi/index.php?wsdl")
        wait_until_up(f"{self.portal}/health/")
        wait_until_up(f"{self.files}/health/")

    def ctl(self, *args: str) -> None:
        subprocess.run([str(ROOT / ".venv/bin/supervisorctl"), "-c", "deploy/supervisord.conf", *args], cwd=ROOT,
                       env=self.env, capture_output=True, check=True)

    def outcome(self) -> dict:
        return json.loads(self.manage("shell", "-c", OUTCOME_SNIPPET))

    def stop(self) -> None:
        if self.supervisor is not None:
            self.supervisor.terminate()
            try:
                self.supervisor.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.supervisor.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


class Customer:
    """One signed-in customer; every request is recorded as (started, action, status, seconds)."""

    def __init__(self, world: World, email: str, session_key: str, data: dict, records: list):
        self.world, self.email, self.data, self.records = world, email, data, records
        # urllib3 rather than requests: the generator shares the two cores with the servers, and
        # requests' sessions (cookie jar, proxy lookups) cost it a fifth of a core at this rate.
        address = urllib3.util.parse_url(world.portal)
        self.connection = urllib3.HTTPConnectionPool(address.host, address.port, maxsize=1, retries=False,
                                                     timeout=30)
        self.cookies = {"sessionid": session_key}
        self.tickets = list(data["tickets"][email])
        self.submitted = 0
        self.references: set[str] = set()

    def request(self, action: str, method: str, path: str, fields: dict | None = None,
                files: dict | None = None) -> urllib3.BaseHTTPResponse | None:
        """One request, as a browser sends it (the cookies it was given, no redirect followed)."""
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        started = time.time()
        try:
            if method == "GET":
                response = self.connection.request("GET", path, headers=headers, redirect=False)
            else:
                response = self.connection.request("POST", path, fields={**fields, **(files or {})}, headers=headers,
                                                   encode_multipart=bool(files), redirect=False)
            status = response.status
        except urllib3.exceptions.HTTPError:
            response, status = None, 0
        self.records.append((started, action, status, time.time() - started))
        for cookie in response.headers.getlist("Set-Cookie") if response is not None else []:
            pair, _, attributes = cookie.partition(";")
            name, _, value = pair.partition("=")
            if "max-age=0" in attributes.lower().replace(" ", ""):  # deleted (a sign-out)
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        return response

    def csrf(self) -> str:
        if "csrftoken" not in self.cookies:
            self.request("list", "GET", "/tickets/new/")
        return self.cookies.get("csrftoken", "")

    def send(self, action: str, path: str, fields: dict, files=None) -> str | None:
        """Send, and on "unavailable" press Send again up to twice (the same form, the same token)."""
        fields = {**{name: str(value) for name, value in fields.items()}, "csrfmiddlewaretoken": self.csrf(),
                  "form_token": secrets.token_urlsafe(24)}
        for _ in range(3):
            response = self.request(action, "POST", path, fields, files() if files else None)
            if response is not None and response.status == 302:
                return response.headers["Location"]
            if response is not None and response.status not in (502, 503, 504):
                return None
        return None

    def submit(self, attachment: bool) -> None:
        mark = uuid.uuid4().hex[:12]
        location = self.send("submit", "/tickets/new/", {
            "department": self.data["department"], "priority": self.data["priority"],
            "subject": f"Load {mark}", "message": f"Load message {mark}"},
            files=(lambda: {"attachments": (f"{mark}.txt", b"one line\n", "text/plain")}) if attachment else None)
        if location:
            self.references.add(location)

    def act(self, action: str) -> None:
        if action == "list":
            self.request(action, "GET", "/tickets/")
        elif action == "view":
            self.request(action, "GET", f"/tickets/{random.choice(self.tickets)}/")
        elif action == "submit":
            self.submitted += 1
            self.submit(attachment=self.submitted % 2 == 0)
        else:
            ticket = random.choice(self.tickets)
            self.send("reply", f"/tickets/{ticket}/reply/", {"reply": f"Load reply {uuid.uuid4().hex[:12]}"})

    def run(self, until: float) -> None:
        names, weights = zip(*ACTIONS, strict=True)
        while time.time() < until:
            self.act(random.choices(names, weights)[0])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _program(pid: str) -> str:
    """Which of scripts/run's programs a child of supervisord is."""
    command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    if "--name " in command:
        return command.split("--name ", 1)[1].split()[0]
    if b"settings.helpdesk" in Path(f"/proc/{pid}/environ").read_bytes():
        return "helpdesk-worker"
    return "worker"


def cpu_seconds(supervisor_pid: int) -> Counter:
    """CPU seconds used so far by each program under supervisord (its processes together) and by
    this load generator: where the two cores go under load."""
    parents, used = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        parents[pid], used[pid] = fields[1], (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    totals: Counter = Counter({"load generator": sum(os.times()[:2])})
    for pid, seconds in used.items():
        top = pid
        while parents.get(top) not in (None, str(supervisor_pid)):
            top = parents[top]
        if parents.get(top) == str(supervisor_pid):
            try:
                totals[_program(top)] += seconds
            except OSError:
                continue
    return totals


def wait_delivered(world: World, seconds: float) -> dict:
    deadline = time.time() + seconds
    while True:
        outcome = world.outcome()
        if outcome["in_flight"] == 0 or time.time() > deadline:
            return outcome
        time.sleep(1)


def simultaneous(world: World, data: dict) -> dict:
    """10 customers press Send at the same moment, each with an attachment."""
    customers = [Customer(world, email, key, data, []) for email, key in list(data["sessions"].items())[:10]]
    for customer in customers:
        customer.csrf()
    with ThreadPoolExecutor(len(customers)) as pool:
        list(pool.map(lambda c: c.submit(attachment=True), customers))
    acknowledged = sum(len(c.references) for c in customers)
    slowest = max(seconds for c in customers for (_, action, _, seconds) in c.records if action == "submit")
    started = time.time()
    outcome = wait_delivered(world, 60)
    return {"acknowledged": acknowledged, "slowest_ack_s": round(slowest, 3), "created": outcome["tickets"],
            "all_delivered_s": round(time.time() - started, 1) if outcome["in_flight"] == 0 else None}


def load(world: World, data: dict, results_of_ten: int) -> dict:
    """The run; `results_of_ten` tickets were created before it (the simultaneous ten)."""
    records: list = []
    customers = [Customer(world, email, key, data, records) for email, key in data["sessions"].items()]
    for customer in customers:
        customer.csrf()
    records.clear()
    start = time.time()
    outage = {"stopped": None, "started": None, "back": None}

    def helpdesk_outage():
        time.sleep(max(0.0, start + OUTAGE[0] - time.time()))
        outage["stopped"] = time.time()
        world.ctl("stop", "helpdesk")
        time.sleep(max(0.0, start + OUTAGE[1] - time.time()))
        outage["started"] = time.time()
        world.ctl("start", "helpdesk")
        wait_until_up(f"{world.helpdesk}/integrationapi/index.php?wsdl", 30)
        outage["back"] = time.time()

    cpu: dict = {}

    def measure_cpu():  # from the 3rd second to the outage
        time.sleep(3)
        before, at = cpu_seconds(world.supervisor.pid), time.time()
        time.sleep(max(0.0, start + OUTAGE[0] - 1 - time.time()))
        after, span = cpu_seconds(world.supervisor.pid), time.time() - at
        cpu.update({name: round((after[name] - before[name]) / span * 100) for name in sorted(after)})

    chaos = threading.Thread(target=helpdesk_outage)
    chaos.start()
    threading.Thread(target=measure_cpu, daemon=True).start()
    with ThreadPoolExecutor(len(customers)) as pool:
        list(pool.map(lambda c: c.run(start + SECONDS), customers))
    chaos.join()
    ended = time.time()
    outcome = wait_delivered(world, 180)
    drained = time.time()
    # The outage: from the helpdesk's stop until it answers again, and a second for pages under way.
    outside = [r for r in records if not outage["stopped"] - 1 <= r[0] <= outage["back"] + 1]
    submits = [r[3] for r in records if r[1] == "submit"]
    waiting_at_return = [d for (_, created, d) in outcome["delivered"] if created <= outage["back"] <= d]
    acknowledged = sum(len(c.references) for c in customers)
    return {
        "customers": CUSTOMERS, "seconds": SECONDS, "outage_s": [round(outage["stopped"] - start, 1),
                                                                 round(outage["back"] - start, 1)],
        "requests": len(records),
        "by_action": {a: sum(1 for r in records if r[1] == a) for a, _ in ACTIONS},
        "tickets_acknowledged": acknowledged, "tickets_created": outcome["tickets"] - results_of_ten,
        "duplicate_tickets": outcome["tickets"] - outcome["distinct_tickets"],
        "replies_acknowledged": sum(1 for r in records if r[1] == "reply" and r[2] == 302),
        "replies_created": outcome["replies"],
        "duplicate_replies": outcome["replies"] - outcome["distinct_replies"],
        "5xx_outside_outage": sum(1 for r in outside if r[2] >= 500 or r[2] == 0),
        "5xx_during_outage": sum(1 for r in records if r[2] >= 500 or r[2] == 0) - sum(
            1 for r in outside if r[2] >= 500 or r[2] == 0),
        "submit_p50_s": round(percentile(submits, 0.5), 3), "submit_p99_s": round(percentile(submits, 0.99), 3),
        "page_p99_s": round(percentile([r[3] for r in outside if r[1] in ("list", "view")], 0.99), 3),
        "pending_when_back": len(waiting_at_return),
        "all_delivered_after_back_s": round(max(waiting_at_return) - outage["back"], 1) if waiting_at_return else 0,
        "drained_after_load_s": round(drained - ended, 1), "still_in_flight": outcome["in_flight"],
        "rejected": outcome["rejected"],
        # Where the 5xx fell, in seconds from the start, and what they were for: the table's one number
        # cannot tell a breaker still open after the outage from pages failing under load.
        "cpu_percent_of_a_core_before_outage": cpu,
        # Of the entries delivered, how many were stored and how many delivered in each 5 s from the
        # start: how deliveries kept up under load and after the outage.
        "stored_delivered_by_5s": {
            f"{t:03d}": [sum(1 for (_, c, _) in outcome["delivered"] if t <= c - start < t + 5),
                         sum(1 for (_, _, d) in outcome["delivered"] if t <= d - start < t + 5)]
            for t in range(0, int(drained - start) + 5, 5)},
        "5xx_by_second": dict(sorted(Counter(
            f"{int(r[0] - start)} {r[1]} {r[2]}" for r in records if r[2] >= 500 or r[2] == 0).items())),
    }


def report(results: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load-latest.json").write_text(json.dumps(results, indent=2) + "\n")
    ten, run = results["simultaneous"], results["load"]
    lines = [
        f"# Load: {run['customers']} customers for {run['seconds']:.0f} s, helpdesk stopped "
        f"{run['outage_s'][0]}–{run['outage_s'][1]} s", "",
        f"Run {results['started']} on {os.cpu_count()} cores; database {results['database']}; "
        f"{results['workers']} task workers.", "",
        "| figure | value |", "|---|---|",
        f"| 10 simultaneous submits with an attachment: acknowledged / created | {ten['acknowledged']} / {ten['created']} |",
        f"| … slowest acknowledgement | {ten['slowest_ack_s']} s |",
        f"| … all delivered after | {ten['all_delivered_s']} s |",
        f"| requests (list / view / submit / reply) | {run['requests']} ({' / '.join(str(v) for v in run['by_action'].values())}) |",
        f"| tickets acknowledged / created | {run['tickets_acknowledged']} / {run['tickets_created']} |",
        f"| duplicate tickets | {run['duplicate_tickets']} |",
        f"| replies acknowledged / created | {run['replies_acknowledged']} / {run['replies_created']} |",
        f"| duplicate replies | {run['duplicate_replies']} |",
        f"| 5xx (or no answer) outside the outage | {run['5xx_outside_outage']} |",
        f"| 5xx during the outage (pages that need the helpdesk) | {run['5xx_during_outage']} |",
        f"| submit p50 / p99 | {run['submit_p50_s']} s / {run['submit_p99_s']} s |",
        f"| list and ticket pages p99 outside the outage | {run['page_p99_s']} s |",
        f"| items pending when the helpdesk was back | {run['pending_when_back']} |",
        f"| every one of them delivered after | {run['all_delivered_after_back_s']} s |",
        f"| outbox drained after the load ended | {run['drained_after_load_s']} s ({run['still_in_flight']} left) |",
        f"| refused by the helpdesk | {run['rejected']} |",
        "| CPU before the outage, % of a core | " + ", ".join(
            f"{name} {share}" for name, share in run["cpu_percent_of_a_core_before_outage"].items()) + " |", "",
    ]
    (RESULTS / "load-latest.md").write_text("\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    world = World()
    try:
        data = world.prepare()
        world.start()
        results = {"started": datetime.now(UTC).isoformat(timespec="seconds"),
                   "database": world.env["DATABASE_URL"].split(":")[0], "workers": world.env["WORKER_PROCESSES"]}
        results["simultaneous"] = simultaneous(world, data)
        results["load"] = load(world, data, results["simultaneous"]["created"])
        report(results)
    finally:
        world.stop()


if __name__ == "__main__":
    main()
