"""portal.cache.DatabaseCache.set: one upsert per set (Django's counts the table, then reads and
writes the key in a transaction of its own), with Django's expiry and culling kept."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import cache as portal_cache
from portal.cache import CULL_CHECK_EVERY, DatabaseCache


def fresh(**options) -> DatabaseCache:
    """The shared cache as settings make it, its count of sets at 0."""
    return DatabaseCache("portal_cache", {"OPTIONS": {"MAX_ENTRIES": 20_000, **options}})


def test_a_set_is_one_statement_and_overwrites_value_and_expiry(db):
    shared = fresh()
    shared.set("warm-up", 0)  # the first set goes Django's way (it counts and culls)
    with CaptureQueriesContext(connection) as queries:
        shared.set("answer", {"value": 41}, None)
        shared.set("answer", {"value": 42}, 60)
    assert len(queries.captured_queries) == 2
    assert all(query["sql"].startswith("INSERT INTO") for query in queries.captured_queries)
    assert shared.get("answer") == {"value": 42}
    shared.set("answer", "gone", 0)  # a timeout of 0 expires at once, as in Django
    assert shared.get("answer", "missing") == "missing"


def test_sets_still_cull_past_max_entries(db, monkeypatch):
    monkeypatch.setattr(portal_cache, "CULL_CHECK_EVERY", 5)
    small = fresh(MAX_ENTRIES=20, CULL_FREQUENCY=2)
    for number in range(100):
        small.set(f"entry-{number}", number, None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM portal_cache")
        rows = cursor.fetchone()[0]
    # Without culling, 100; with a count every 5th set, at most 20 + 5 before a cull halves them.
    assert rows <= 25
    assert small.get("entry-99") == 99


def test_the_check_comes_round_every_so_many_sets(db):
    shared = fresh()
    with CaptureQueriesContext(connection) as queries:
        for number in range(CULL_CHECK_EVERY):
            shared.set(f"entry-{number}", number)
    counts = [query for query in queries.captured_queries if "COUNT(*)" in query["sql"]]
    assert len(counts) == 1
