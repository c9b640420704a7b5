"""Caching of reference data: one cache round trip per cached read, keys that change with the
shapes of what is cached."""

import dataclasses
import logging
import time

import pytest
from django.core.cache import caches

import kayako
from kayako import breaker, service, types, wire


@pytest.fixture
def cache_round_trips(monkeypatch):
    """The calls this test makes to the cache backend, by method name; a call a backend makes to
    itself inside another (local memory's get_many calls get) is part of that one."""
    backend = caches["default"]
    made: list[str] = []
    depth = [0]

    def counted(name, real):
        def call(*args, **kwargs):
            if not depth[0]:
                made.append(name)
            depth[0] += 1
            try:
                return real(*args, **kwargs)
            finally:
                depth[0] -= 1
        return call

    for method in ("get", "get_many", "set", "incr", "delete", "delete_many"):
        monkeypatch.setattr(backend, method, counted(method, getattr(backend, method)))
    return made


@pytest.mark.embedded_helpdesk_only  # about the cache, the same for every peer
def test_a_cached_read_costs_one_round_trip_and_no_call(demo, cache_round_trips, caplog, settings):
    caplog.set_level(logging.INFO, logger="kayako")
    first = kayako.get_department_list()
    cache_round_trips.clear()
    caplog.clear()
    assert kayako.get_department_list() == first
    assert cache_round_trips == []  # this process's copy, for KAYAKO_MEMO_SECONDS
    settings.KAYAKO_MEMO_SECONDS = 0
    assert kayako.get_department_list() == first
    assert cache_round_trips == ["get_many"]
    assert not [r for r in caplog.records if r.name == "kayako"]


@pytest.mark.embedded_helpdesk_only
def test_another_processs_invalidation_is_seen_once_this_processs_copy_is_older_than_its_memo_time(demo, settings):
    from helpdesk.models import Priority

    before = kayako.get_priority_list()
    Priority.objects.filter(pk=before[0].id).update(title="Renamed elsewhere")
    version_key, _ = service._keys("reference", "")
    caches["default"].set(version_key, 41, None)  # what service.invalidate() does, in another process
    assert kayako.get_priority_list() == before  # within the memo time: this process's copy
    settings.KAYAKO_MEMO_SECONDS = 0.05
    time.sleep(0.1)
    assert kayako.get_priority_list()[0].title == "Renamed elsewhere"


@pytest.mark.embedded_helpdesk_only
def test_an_invalidated_entry_is_never_served(demo, monkeypatch):
    before = kayako.get_priority_list()
    service.invalidate("reference")
    monkeypatch.setattr(service, "_read", down)
    with pytest.raises(kayako.Unavailable):
        kayako.get_priority_list()
    assert kayako.stale_as_of() is None and before


def down(*args, **kwargs):
    raise kayako.Unavailable("down")


def test_the_keys_change_with_the_shapes_of_the_cached_types(monkeypatch):
    same = service._shapes_version()
    assert same == service.SHAPES_VERSION
    grown = dataclasses.make_dataclass("Department", [("id", int), ("title", str), ("colour", str)], frozen=True)
    monkeypatch.setattr(types, "Department", grown)
    assert service._shapes_version() != same
    assert service.SHAPES_VERSION in service._server_prefix("http://helpdesk.example/integrationapi/index.php")


@pytest.mark.embedded_helpdesk_only
def test_an_old_copy_is_refreshed_with_a_short_timeout_and_shown_if_the_helpdesk_is_late(demo, settings, monkeypatch,
                                                                                          hang_helpdesk):
    departments = kayako.get_department_list()
    settings.KAYAKO_CACHE_TTL = 0
    timeouts = []
    real_post = wire._post
    monkeypatch.setattr(wire, "_post", lambda *args: timeouts.append(args[-1].read_timeout) or real_post(*args))
    assert kayako.get_department_list() == departments  # refreshed
    assert timeouts == [settings.KAYAKO_REFRESH_TIMEOUT]
    sent = hang_helpdesk()
    with kayako.page_scope():
        assert kayako.get_department_list() == departments
        assert kayako.stale_as_of() is not None
    assert sent == ["getDepartmentList"]


@pytest.mark.embedded_helpdesk_only
def test_once_the_helpdesk_failed_a_page_takes_the_copies_without_asking_again(demo, settings, hang_helpdesk):
    departments, priorities = kayako.get_department_list(), kayako.get_priority_list()
    settings.KAYAKO_CACHE_TTL = 0
    sent = hang_helpdesk()
    with kayako.page_scope():
        assert (kayako.get_department_list(), kayako.get_priority_list()) == (departments, priorities)
        with pytest.raises(kayako.Unavailable):  # nothing kept: asked, and unavailable
            kayako.get_status_list()
    assert sent == ["getDepartmentList", "getStatusList"]


@pytest.mark.embedded_helpdesk_only
def test_a_customers_tickets_are_kept_but_not_written_again_while_the_same(demo, cache_round_trips, monkeypatch):
    monkeypatch.setattr(breaker, "clock", lambda: 1_000_000.0)  # no breaker's round trips in between
    first = kayako.get_submitted_tickets(email="demo@example.com")
    assert "set" in cache_round_trips
    cache_round_trips.clear()
    assert kayako.get_submitted_tickets(email="demo@example.com") == first
    assert cache_round_trips == []  # the same as this process wrote: neither read nor written again
    from helpdesk.models import Ticket

    Ticket.objects.filter(pk=first[0].id).update(subject="Changed in the desk")
    assert kayako.get_submitted_tickets(email="demo@example.com")[0].subject == "Changed in the desk"
    assert cache_round_trips == ["set"]  # a changed copy is written at once
    cache_round_trips.clear()
    now = time.time
    monkeypatch.setattr(time, "time", lambda: now() + service.KEEP_REWRITE_SECONDS)  # the copy is old
    kayako.get_submitted_tickets(email="demo@example.com")
    assert cache_round_trips == ["set"]
