"""A slow, hung or dead helpdesk costs the portal little: the circuit breaker (closed, open,
half-open), one time budget for all the calls of a page, and a bound on the threads that wait.

The clock of the breaker is the test's; the helpdesk is a fake server that never answers (a short
operation timeout), or answers as told. What is asserted is what reached the server and what the
breaker says, never how long anything took.
"""

import threading

import pytest
from django.core.cache import cache
from django.db import connections

import kayako
from kayako import breaker, wire

from .fake_servers import envelope, fault

pytestmark = pytest.mark.django_db

REPLY_ANSWER = envelope('<ns1:postTicketReplyResponse xmlns:ns1="urn:KayakoIntegrationAPI">'
                        "<ns1:return>true</ns1:return></ns1:postTicketReplyResponse>")
DEPARTMENTS_ANSWER = envelope('<ns1:getDepartmentListResponse xmlns:ns1="urn:KayakoIntegrationAPI">'
                              "<ns1:return/></ns1:getDepartmentListResponse>")


def reply() -> bool:
    """An uncached call that is sent once (a write is never retried)."""
    return kayako.post_ticket_reply(email="a@example.com", ticket_id=1, reply="Thanks")


@pytest.fixture
def clock(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(breaker, "clock", lambda: now[0])
    return now


@pytest.fixture
def hung(fake, settings):
    """A helpdesk that takes every request and never answers."""
    settings.KAYAKO_OPERATION_TIMEOUT = 0.2
    return fake(silent=True, body=REPLY_ANSWER)


def trip():
    for _ in range(3):
        with pytest.raises(kayako.Unavailable) as failed:
            reply()
        assert str(failed.value) == "postTicketReply timed out"


def test_closed_calls_go_through_and_an_answer_starts_the_count_again(hung, clock):
    for _ in range(2):
        with pytest.raises(kayako.Unavailable):
            reply()
    hung.silent = False
    assert reply() is True
    hung.silent = True
    for _ in range(2):
        with pytest.raises(kayako.Unavailable) as failed:
            reply()
        assert not isinstance(failed.value, kayako.CircuitOpen)
    assert len(hung.requests) == 5
    assert kayako.helpdesk_state().state == "closed"


def test_open_after_failures_in_a_row_calls_fail_at_once_without_reaching_the_helpdesk(hung, clock, settings):
    trip()
    with pytest.raises(kayako.CircuitOpen):
        reply()
    assert len(hung.requests) == 3
    state = kayako.helpdesk_state()
    assert (state.state, state.last_error, state.last_success) == ("open", "postTicketReply timed out", None)
    assert state.opened.since == clock[0]
    assert state.opened.retry_at == clock[0] + settings.KAYAKO_BREAKER_COOL_DOWN


def test_half_open_one_small_trial_call_with_a_short_timeout_decides(hung, clock, settings, monkeypatch):
    settings.KAYAKO_OPERATION_TIMEOUT = settings.KAYAKO_BREAKER_TRIAL_TIMEOUT * 2
    trip()
    timeouts = []
    real_post = wire._post
    monkeypatch.setattr(wire, "_post", lambda *args: timeouts.append(args[-1].read_timeout) or real_post(*args))
    clock[0] += settings.KAYAKO_BREAKER_COOL_DOWN
    assert kayako.helpdesk_state().state == "half-open"
    with pytest.raises(kayako.CircuitOpen) as trial:
        reply()
    assert str(trial.value) == "postTicketReply: the helpdesk still does not answer (getDepartmentList timed out)"
    assert len(hung.requests) == 4 and b"getDepartmentList" in hung.requests[-1]
    assert timeouts == [settings.KAYAKO_BREAKER_TRIAL_TIMEOUT]
    with pytest.raises(kayako.CircuitOpen):  # the trial failed: the next one a few seconds later
        reply()
    state = kayako.helpdesk_state()
    assert settings.KAYAKO_BREAKER_RETRY_SECONDS < settings.KAYAKO_BREAKER_COOL_DOWN
    assert state.state == "open" and state.opened.retry_at == clock[0] + settings.KAYAKO_BREAKER_RETRY_SECONDS
    assert state.opened.since == clock[0] - settings.KAYAKO_BREAKER_COOL_DOWN  # the same outage
    clock[0] += settings.KAYAKO_BREAKER_RETRY_SECONDS / 2
    with pytest.raises(kayako.CircuitOpen):
        reply()
    assert len(hung.requests) == 4  # nothing reached the helpdesk before the next trial

    hung.silent = False
    clock[0] += settings.KAYAKO_BREAKER_RETRY_SECONDS / 2
    assert reply() is True  # the trial is answered: closed, and the call made
    assert kayako.helpdesk_state().state == "closed"
    assert reply() is True
    assert [b"getDepartmentList" in request for request in hung.requests[4:]] == [True, False, False]


def test_while_one_process_makes_the_trial_call_the_others_fail_at_once(hung, clock, settings):
    trip()
    clock[0] += settings.KAYAKO_BREAKER_COOL_DOWN
    assert cache.add(breaker.for_url(hung.url).trial_key, "another process", 30)
    with pytest.raises(kayako.CircuitOpen) as refused:
        reply()
    assert str(refused.value) == "a trial call to the helpdesk is under way"
    assert len(hung.requests) == 3


def test_one_breaker_for_all_processes(hung, clock):
    trip()
    breaker.reset()  # as another process: it has counted no failure and read nothing yet
    with pytest.raises(kayako.CircuitOpen):
        reply()
    assert len(hung.requests) == 3
    cache.delete(breaker.for_url(hung.url).key)  # as a successful trial in another process does
    hung.silent = False
    with pytest.raises(kayako.CircuitOpen):  # this process reads the shared state once a second
        reply()
    clock[0] += breaker.SYNC_SECONDS
    assert reply() is True


def test_an_answer_with_an_error_code_is_an_answer(fake, clock):
    server = fake(status=500, body=fault("-14"))
    for _ in range(5):
        with pytest.raises(kayako.NotFound):
            reply()
    state = kayako.helpdesk_state()
    assert state.state == "closed" and state.last_success == clock[0] and len(server.requests) == 5


def test_a_probe_goes_through_while_open_and_decides(hung, clock):
    trip()
    hung.silent, hung.body = False, DEPARTMENTS_ANSWER
    kayako.ping()
    assert len(hung.requests) == 4
    assert kayako.helpdesk_state().state == "closed"


def test_the_calls_of_one_page_share_one_operation_timeout(hung):
    with kayako.page_scope():
        with pytest.raises(kayako.Unavailable) as first:
            reply()
        with pytest.raises(kayako.NotSent) as second:
            reply()
    assert str(first.value) == "postTicketReply timed out"
    assert str(second.value) == "postTicketReply: no time left for this page"
    assert len(hung.requests) == 1
    with pytest.raises(kayako.Unavailable, match="timed out"):  # outside a page: its own timeout
        reply()
    assert len(hung.requests) == 2


@pytest.mark.django_db(transaction=True)  # the waiting thread writes to the cache's table too
def test_threads_waiting_on_the_helpdesk_are_bounded_and_a_refusal_is_not_a_failure(hung, settings, clock,
                                                                                      monkeypatch):
    settings.KAYAKO_CONCURRENT_CALLS = 1
    settings.KAYAKO_OPERATION_TIMEOUT = 6.0  # well over the refusals below, which wait 0.5 s each for a slot
    outcome = []

    def wait_on_the_helpdesk():
        try:
            reply()
        except kayako.Unavailable as error:
            outcome.append(str(error))
        finally:
            connections.close_all()  # this thread's own, which would outlive the test database

    waiting = threading.Thread(target=wait_on_the_helpdesk)
    waiting.start()
    hung.wait_for_requests(1)
    for _ in range(5):
        with pytest.raises(kayako.NotSent) as refused:
            reply()
        assert str(refused.value) == "postTicketReply: every call slot of this process is waiting on the helpdesk"
    assert kayako.helpdesk_state().state == "closed"
    slots = WaitsRecorded(wire._slots[1])
    monkeypatch.setattr(wire, "_slots", (1, slots))
    with kayako.page_scope():  # a page waits for a slot once; its other calls do not wait again
        for _ in range(3):
            with pytest.raises(kayako.NotSent):
                reply()
    assert slots.waits == [wire.SLOT_WAIT_SECONDS, 0.0, 0.0]
    waiting.join()
    assert outcome == ["postTicketReply timed out"] and len(hung.requests) == 1


class WaitsRecorded:
    """A semaphore that records how long each acquire() would wait."""

    def __init__(self, semaphore):
        self.semaphore, self.waits = semaphore, []

    def acquire(self, timeout):
        self.waits.append(timeout)
        return self.semaphore.acquire(timeout=timeout)

    def release(self):
        self.semaphore.release()
