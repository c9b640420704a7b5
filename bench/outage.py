"""The helpdesk frozen under load: what visitors and /health/ get, and how soon pages are live again.

Run it with `.venv/bin/python -m bench.outage` (about a minute). It starts the embedded helpdesk
and the portal as bench/run.py does (gunicorn, BENCH_WORKERS of BENCH_THREADS threads, production settings,
a fresh database with the demo data), lets one visitor read some pages, then freezes the helpdesk
with SIGSTOP (its whole process group) while 8 visitors keep asking for pages that need it and
/health/ is asked four times a second; after FROZEN_SECONDS it sends SIGCONT and goes on until the
pages are live again. Reference data and the knowledge base are cached for CACHE_TTL seconds only,
so that the pages seen before are old copies when the helpdesk freezes: they must be served from
the cache as stale copies, not merely as fresh ones. Results: bench/results/outage.{md,json} (and
every request in outage-samples.json.tmp).
"""

import json
import os
import signal
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from contextlib import suppress
from datetime import UTC, datetime

from bench.run import RESULTS, THREADS, WORKERS, Bench

VISITORS = 8
FROZEN_SECONDS = float(os.environ.get("OUTAGE_FROZEN_SECONDS", "20"))
CACHE_TTL = "2"
NOTICE = "The support system cannot be reached right now."
LIVE_AGAIN_LIMIT = 30  # seconds after the resume that the bench waits for live pages

PAGES_SNIPPET = """
import json
from django.utils.text import slugify
from helpdesk.models import KnowledgeBaseArticle, KnowledgeBaseCategory, Ticket
articles = [f"/kb/article/{a.pk}/{slugify(a.subject)}/" for a in KnowledgeBaseArticle.objects.order_by("pk")]
categories = [f"/kb/category/{c.pk}/{slugify(c.title)}/" for c in KnowledgeBaseCategory.objects.order_by("pk")]
tickets = [f"/tickets/{t.pk}/" for t in Ticket.objects.filter(customer__email="demo@example.com").order_by("pk")]
print(json.dumps({"articles": articles, "categories": categories, "tickets": tickets}))
"""


class Outage(Bench):
    def __init__(self):
        super().__init__()
        self.env["KAYAKO_CACHE_TTL"] = CACHE_TTL
        self.samples: list[dict] = []
        self.lock = threading.Lock()

    def prepare(self):
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.manage("seed_demo", "--settings=portal.settings.helpdesk", "-v0")

    def pages(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """(pages one visitor reads before the freeze, pages nobody reads before it), by kind."""
        found = json.loads(self.manage("shell", "-c", PAGES_SNIPPET, capture=True).stdout.strip().splitlines()[-1])
        seen = {"kb": ["/kb/", *found["categories"][:4], *found["articles"][:8]],
                "tickets": ["/tickets/", *found["tickets"][:3]], "submit form": ["/tickets/new/"]}
        # Every KB article is in the cache already (kb_sync read them all for the search index).
        unseen = {"never seen": [*found["tickets"][3:6], "/tickets/?sort=priorityid"]}
        return seen, unseen

    def get(self, url: str, cookie: str) -> tuple[int, float, bytes]:
        """(status, seconds, body) of one request, as a visitor makes it (a new connection)."""
        request = urllib.request.Request(f"{self.portal}{url}", headers={"Cookie": cookie})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        return status, time.monotonic() - started, body

    def record(self, kind: str, url: str, started: float, status: int, seconds: float, notice: bool, **more):
        with self.lock:
            self.samples.append({"kind": kind, "url": url, "at": round(started - self.frozen_at, 3),
                                 "status": status, "ms": round(seconds * 1000, 1), "notice": notice, **more})

    def visitor(self, number: int, cycle: list[tuple[str, str]], cookie: str, stop: threading.Event):
        position = number
        while not stop.is_set():
            kind, url = cycle[position % len(cycle)]
            position += 1
            started = time.monotonic()
            status, seconds, body = self.get(url, cookie)
            self.record(kind, url, started, status, seconds, NOTICE.encode() in body)

    def health(self, stop: threading.Event):
        while not stop.is_set():
            started = time.monotonic()
            status, seconds, body = self.get("/health/", "")
            self.record("health", "/health/", started, status, seconds, False,
                        state=json.loads(body)["helpdesk"]["state"])
            stop.wait(0.25)

    def run(self):
        seen, unseen = self.pages()
        cookie = self.session_cookie("demo@example.com")
        for urls in seen.values():  # one visitor reads these while the helpdesk is well
            for url in urls:
                assert self.get(url, cookie)[0] == 200, url
        time.sleep(float(CACHE_TTL) + 0.5)  # what was read is now an old copy
        cycle = [(kind, url) for table in (seen, unseen) for kind, urls in table.items() for url in urls]
        helpdesk = self.processes[0]
        stop = threading.Event()
        self.frozen_at = time.monotonic()
        os.killpg(helpdesk.pid, signal.SIGSTOP)
        threads = [threading.Thread(target=self.visitor, args=(n, cycle, cookie, stop)) for n in range(VISITORS)]
        threads.append(threading.Thread(target=self.health, args=(stop,)))
        for thread in threads:
            thread.start()
        try:
            time.sleep(FROZEN_SECONDS)
        finally:
            os.killpg(helpdesk.pid, signal.SIGCONT)
        self.resumed_at = time.monotonic() - self.frozen_at
        self.live_again = self.wait_until_live(unseen, cookie)
        stop.set()
        for thread in threads:
            thread.join()

    def wait_until_live(self, unseen: dict[str, list[str]], cookie: str) -> float | None:
        """Seconds after the resume until a page never read before answers 200 without the notice."""
        url = unseen["never seen"][0]
        deadline = time.monotonic() + LIVE_AGAIN_LIMIT
        while time.monotonic() < deadline:
            status, _, body = self.get(url, cookie)
            if status == 200 and NOTICE.encode() not in body:
                return round(time.monotonic() - self.frozen_at - self.resumed_at, 2)
            time.sleep(0.25)
        return None

    def report(self):
        frozen = [s for s in self.samples if s["at"] < self.resumed_at]
        opened = min((s["at"] for s in frozen if s["kind"] == "health" and s["state"] != "closed"), default=None)
        rows = {}
        for kind, group in sorted(group_by(frozen, "kind").items()):
            after_open = [s for s in group if opened is not None and s["at"] >= opened]
            rows[kind] = {
                "requests": len(group), "statuses": dict(sorted(count(group, "status").items())),
                "with notice": sum(s["notice"] for s in group), "p50_ms": percentile(group, 50),
                "max_ms": max(s["ms"] for s in group),
                "over_1s": sum(s["ms"] > 1000 for s in group),
                "last_over_1s_at": max((s["at"] for s in group if s["ms"] > 1000), default=None),
                "max_ms_once_open": max((s["ms"] for s in after_open), default=None),
                "statuses_once_open": dict(sorted(count(after_open, "status").items())),
            }
        results = {"started": datetime.now(UTC).isoformat(), "visitors": VISITORS, "frozen_s": FROZEN_SECONDS,
                   "cache_ttl_s": int(CACHE_TTL), "breaker_open_after_s": opened,
                   "live_again_after_resume_s": self.live_again, "during_the_freeze": rows}
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "outage.json").write_text(json.dumps(results, indent=2))
        (RESULTS / "outage-samples.json.tmp").write_text(json.dumps(self.samples))  # every request, not kept in git
        lines = [f"# The helpdesk frozen under load, {results['started']}", "",
                 f"{VISITORS} visitors, helpdesk frozen (SIGSTOP) for {FROZEN_SECONDS:g} s, reference data and "
                 f"KB cached for {CACHE_TTL} s (every page read before is an old copy at the freeze); "
                 f"{WORKERS} gunicorn workers of {THREADS} threads per server, one 2-core machine.", "",
                 f"The breaker was open (as /health/ reported) {opened} s after the freeze; pages were live "
                 f"again {self.live_again} s after the resume.", "",
                 "| page | requests | statuses | with notice | p50 ms | max ms | over 1 s (the last began at s) "
                 "| max ms once open | statuses once open |",
                 "|---|---|---|---|---|---|---|---|---|"]
        for kind, row in rows.items():
            lines.append(f"| {kind} | {row['requests']} | {row['statuses']} | {row['with notice']} | {row['p50_ms']} "
                         f"| {row['max_ms']} | {row['over_1s']} ({row['last_over_1s_at']}) | {row['max_ms_once_open']} "
                         f"| {row['statuses_once_open']} |")
        (RESULTS / "outage.md").write_text("\n".join([*lines, ""]))
        print("\n".join(lines))


def group_by(samples: list[dict], key: str) -> dict:
    groups = defaultdict(list)
    for sample in samples:
        groups[sample[key]].append(sample)
    return groups


def count(samples: list[dict], key: str) -> dict:
    return {value: len(group) for value, group in group_by(samples, key).items()}


def percentile(samples: list[dict], p: int) -> float:
    values = sorted(s["ms"] for s in samples)
    return round(statistics.quantiles(values, n=100)[p - 1], 1) if len(values) > 1 else values[0]


def main():
    outage = Outage()
    try:
        outage.prepare()
        outage.start()
        outage.run()
        outage.report()
    finally:
        for process in outage.processes:  # a stopped helpdesk would not hear SIGTERM
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGCONT)
        outage.stop()


if __name__ == "__main__":
    main()
