"""Searching one's own tickets (tickets/search.py) for a customer with BENCH_BIG_TICKETS (100,000)
tickets: how long the worker takes to index them (the first complete search) and how much memory
that takes, a later refresh, and each search afterwards. The embedded helpdesk runs as in
production (gunicorn, DEBUG off) on a fresh database; the measuring runs in `manage.py shell`.
Results: bench/results/search-latest.md and .json. Run with scripts/bench-search.
"""

import json
import subprocess
import sys
from datetime import UTC, datetime

from bench.run import BIG, BIG_TICKETS, PYTHON, RESULTS, ROOT, Bench, running

MEASURE_SNIPPET = """
import json, resource, statistics, time, tracemalloc
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from tickets import search, selectors
from tickets.models import IndexedTicket, TicketIndexState

EMAIL = "{EMAIL}"
result = {}
user = User.objects.create_user("big", EMAIL, "unused", first_name="Big", last_name="Customer")
EmailAddress.objects.create(user=user, email=EMAIL, primary=True, verified=True)
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(user)  # queues a refresh; the measuring below runs it here instead of a worker

def timed(call, n):
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2)}

started = time.perf_counter()
client.get("/tickets/", {"q": "printer"})
result["first_search_page_before_indexing_ms"] = round((time.perf_counter() - started) * 1000, 1)

tracemalloc.start()
started = time.perf_counter()
read = search.refresh(EMAIL)
result["full_refresh_s"] = round(time.perf_counter() - started, 2)
result["full_refresh_peak_python_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
tracemalloc.stop()
result["tickets_read"] = read
result["indexed"] = IndexedTicket.objects.filter(email=EMAIL).count()
result["process_max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

started = time.perf_counter()
search.refresh(EMAIL)
result["later_refresh_s"] = round(time.perf_counter() - started, 3)

sample = IndexedTicket.objects.filter(email=EMAIL).order_by("id")[5000]
word = sample.subject.split()[0]
queries = {"mask": sample.mask, "one_word": word, "two_words": " ".join(sample.subject.split()[:2]),
           "no_match": "zzqxj"}
arguments = dict(email=EMAIL, page=1, per_page=10, sort_by="lastactivity", ascending=False, filters={})
result["matches"] = {name: selectors.ticket_search(query=query, **arguments).total for name, query in queries.items()}
result["search_selector"] = {name: timed(lambda q=query: selectors.ticket_search(query=q, **arguments), 30)
                             for name, query in queries.items()}
result["search_page"] = {name: timed(lambda q=query: client.get("/tickets/", {"q": q}), 20)
                         for name, query in queries.items()}
result["deep_page_selector"] = timed(lambda: selectors.ticket_search(
    query=word, **{**arguments, "page": max(1, result["matches"]["one_word"] // 10)}), 20)
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'tickets_indexedticket%' "
                       "OR name LIKE 'tickets_index_by%' OR name LIKE 'tickets_subject_search%'")
        result["index_mb"] = round((cursor.fetchone()[0] or 0) / 2**20, 1)
else:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('tickets_indexedticket')")  # with its indexes
        result["index_mb"] = round(cursor.fetchone()[0] / 2**20, 1)
print(json.dumps(result))
"""


def main():
    with running(Bench()) as bench:
        print(f"Preparing a fresh database with {BIG_TICKETS:,} tickets for one customer...", flush=True)
        bench.manage("migrate", "--noinput", "-v0")
        bench.manage("collectstatic", "--noinput", "-v0")
        bench.manage("seed_demo", "--settings=portal.settings.helpdesk", "-v0")
        bench.manage("seed_demo", "--settings=portal.settings.helpdesk", "--tickets", str(BIG_TICKETS),
                     "--email", BIG)
        bench.start()
        print("Measuring...", flush=True)
        out = subprocess.run([PYTHON, "manage.py", "shell", "-c", MEASURE_SNIPPET.replace("{EMAIL}", BIG)],
                             cwd=ROOT, env=bench.env, capture_output=True, text=True)
        if out.returncode:
            sys.exit(out.stderr[-3000:])
        result = {"started": datetime.now(UTC).isoformat(), "tickets": BIG_TICKETS,
                  "database": "postgresql" if "postgres" in bench.env["DATABASE_URL"] else "sqlite",
                  **json.loads(out.stdout.strip().splitlines()[-1])}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "search-latest.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [f"# Own-ticket search, {result['tickets']:,} tickets of one customer ({result['database']})", "",
             f"- first search, before the index is filled: {result['first_search_page_before_indexing_ms']} ms "
             "(the page says the tickets are still being gathered)",
             f"- full refresh by the worker: {result['full_refresh_s']} s for {result['tickets_read']:,} tickets, "
             f"peak Python memory {result['full_refresh_peak_python_mb']} MB "
             f"(process max RSS {result['process_max_rss_mb']} MB)",
             f"- later refresh (nothing changed): {result['later_refresh_s']} s",
             f"- index size (table, its indexes, the subjects' trigram index): {result['index_mb']} MB", "", "| query | matches | selector p50 ms | page p50 ms |",
             "|---|---|---|---|"]
    for name, matches in result["matches"].items():
        lines.append(f"| {name} | {matches:,} | {result['search_selector'][name]['p50_ms']} | "
                     f"{result['search_page'][name]['p50_ms']} |")
    lines.append(f"\nDeepest page of the one-word search: {result['deep_page_selector']['p50_ms']} ms p50.")
    (RESULTS / "search-latest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
