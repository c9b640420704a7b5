"""The circuit breaker: after a few failed calls in a row the helpdesk is left alone for a while.

A hung or dead helpdesk makes every call wait for its timeout, and pages would queue behind those
waits. After KAYAKO_BREAKER_FAILURES timeouts or connection failures in a row, calls fail at once
(CircuitOpen) for KAYAKO_BREAKER_COOL_DOWN seconds, and pages show what the cache has, else the
503 page. Then the next call, in all processes together, is let through and decides: wire.py
makes a small trial call first (getDepartmentList, answered within KAYAKO_BREAKER_TRIAL_TIMEOUT),
so that a page never waits long on a helpdesk that still hangs. If the helpdesk answers, the
breaker closes; if not, the next trial may go KAYAKO_BREAKER_RETRY_SECONDS later (one short call
every few seconds costs a helpdesk that is down nothing, and pages and the outbox's backlog resume
within seconds of its return rather than up to a whole cool-down later).

All processes share one breaker per helpdesk through the Django cache: an entry that exists only
while the breaker is open. A process reads it at most every SYNC_SECONDS (and for free with each
cached read, see service.py), so a call costs no cache round trip; each process counts its own
failures in a row. The last success and the last failure (and why) are recorded there too, for
/health/, which never calls the helpdesk itself.

Not pybreaker: its CircuitBreaker.call holds one lock for the whole guarded call, so the threads of
a process would wait for each other's SOAP calls (pybreaker issue #55); in its half-open state
every call goes through rather than one trial; and it writes its storage after every success.
"""

import hashlib
import logging
import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .errors import CircuitOpen, KayakoError, NotSent, Unavailable

logger = logging.getLogger("kayako")

SCHEMA = 1  # of the entries below: part of their keys
SYNC_SECONDS = 1.0
SUCCESS_REPORT_SECONDS = 10.0  # a process records its successes at most this often (failures always)
KEEP_SECONDS = 24 * 3600

clock = time.time  # shared by processes: wall-clock time (tests set their own)


@dataclass(frozen=True)
class Opened:
    """The shared entry of an open breaker."""

    since: float  # when this outage began
    retry_at: float  # when a trial call may go
    reason: str  # the last failure

    @classmethod
    def read(cls, record: object) -> "Opened | None":
        # Stored as a tuple of plain values: nothing of a class is unpickled from a shared cache.
        if isinstance(record, tuple) and len(record) == 3:
            since, retry_at, reason = record
            return cls(float(since), float(retry_at), str(reason))
        return None

    def record(self) -> tuple[float, float, str]:
        return (self.since, self.retry_at, self.reason)


@dataclass(frozen=True)
class Report:
    """What /health/ says of the helpdesk."""

    state: str  # "closed", "open" (calls fail at once) or "half-open" (a trial call may go)
    opened: Opened | None
    last_success: float | None
    last_failure: float | None
    last_error: str | None


class Breaker:
    """The breaker of one helpdesk (API URL), as this process sees it."""

    def __init__(self, url: str) -> None:
        base = f"kayako:breaker:{SCHEMA}:{hashlib.sha256(url.encode()).hexdigest()[:12]}"
        self.key = base
        self.trial_key = f"{base}:trial"
        self.success_key = f"{base}:last-success"
        self.failure_key = f"{base}:last-failure"
        self._lock = threading.Lock()
        self._failures = 0
        self._opened: Opened | None = None
        self._synced_at = -math.inf
        self._success_reported_at = -math.inf

    # --- the shared state ----------------------------------------------------------------

    def observe(self, record: object) -> None:
        """The shared entry as just read from the cache, by this breaker or along with a cached read."""
        opened = Opened.read(record)
        with self._lock:
            if opened is None and self._opened is not None:
                self._failures = 0  # closed by another process's trial
            self._opened = opened
            self._synced_at = clock()

    def _current(self, *, fresh: bool = False) -> Opened | None:
        if fresh or clock() - self._synced_at >= SYNC_SECONDS:
            self.observe(cache.get(self.key))
        return self._opened

    def is_open(self) -> bool:
        """Whether the helpdesk is taken for unavailable (open or half-open)."""
        return self._current() is not None

    # --- calls ---------------------------------------------------------------------------

    def admit(self, *, probe: bool = False) -> bool:
        """Whether a call may go now, and True when it decides the state (see outcome()): raises
        CircuitOpen while the breaker is open. After the cool-down, one call in all processes is
        let through to decide. A probe (the admin's "Test connection", a periodic probe) always
        goes, and decides while the breaker is open."""
        opened = self._current()
        if probe:
            return opened is not None
        if opened is not None and clock() >= opened.retry_at:
            opened = self._current(fresh=True)  # another process may have decided already
        if opened is None:
            return False
        if clock() < opened.retry_at:
            raise CircuitOpen(f"the helpdesk failed {settings.KAYAKO_BREAKER_FAILURES} calls in a row ({opened.reason})")
        trial_seconds = math.ceil(settings.KAYAKO_CONNECT_TIMEOUT + settings.KAYAKO_OPERATION_TIMEOUT) + 1
        if not cache.add(self.trial_key, os.getpid(), trial_seconds):
            raise CircuitOpen("a trial call to the helpdesk is under way")
        return True

    @contextmanager
    def outcome(self, *, deciding: bool) -> Iterator[None]:
        """Around a call that admit() let through: what it tells of the helpdesk is counted. A
        deciding call closes the breaker if the helpdesk answers it, else opens it again."""
        try:
            yield
        except NotSent:
            self.release(deciding)  # nothing was asked of the helpdesk: nothing learnt
            raise
        except Unavailable as error:
            self._failed(error, trial=deciding)
            raise
        except KayakoError:
            self._succeeded(trial=deciding)  # it answered, if not as hoped
            raise
        except BaseException:
            self.release(deciding)
            raise
        self._succeeded(trial=deciding)

    def release(self, deciding: bool) -> None:
        """A deciding call that was not made after all: another may decide."""
        if deciding:
            cache.delete(self.trial_key)

    def _succeeded(self, *, trial: bool) -> None:
        with self._lock:
            self._failures = 0
            closing = trial or self._opened is not None
            self._opened = None
        now = clock()
        if closing:
            cache.delete_many([self.key, self.trial_key])
            logger.warning("kayako: the helpdesk answers again; calls resume")
        if closing or now - self._success_reported_at >= SUCCESS_REPORT_SECONDS:
            self._success_reported_at = now
            cache.set(self.success_key, now, KEEP_SECONDS)

    def _failed(self, error: Unavailable, *, trial: bool) -> None:
        now = clock()
        cache.set(self.failure_key, (now, str(error)), KEEP_SECONDS)
        self._success_reported_at = -math.inf  # the next success is news
        with self._lock:
            self._failures += 1
            # A call let through before the breaker opened may fail after: it changes nothing.
            if not trial and (self._failures < settings.KAYAKO_BREAKER_FAILURES or self._opened is not None):
                return
            # A failed trial is one short call: the next may go sooner than the first cool-down, so
            # that calls resume within KAYAKO_BREAKER_RETRY_SECONDS of the helpdesk's return.
            pause = settings.KAYAKO_BREAKER_RETRY_SECONDS if trial else settings.KAYAKO_BREAKER_COOL_DOWN
            opened = Opened(self._opened.since if self._opened else now, now + pause, str(error))
            self._opened, self._synced_at, self._failures = opened, now, 0
        cache.set(self.key, opened.record(), KEEP_SECONDS)
        self.release(trial)
        # Once per outage as a warning; each failed trial after it only as information.
        logger.log(logging.INFO if trial else logging.WARNING, "kayako: calls to the helpdesk fail at once for %ss (%s)",
                   pause, error)

    def report(self) -> Report:
        """The state and the last outcomes, from the shared cache (one round trip, no call)."""
        found = cache.get_many([self.key, self.success_key, self.failure_key])
        self.observe(found.get(self.key))
        opened = self._opened
        last_failure = found.get(self.failure_key)
        failure_at, error = last_failure if isinstance(last_failure, tuple) else (None, None)
        state = "closed" if opened is None else "open" if clock() < opened.retry_at else "half-open"
        return Report(state, opened, found.get(self.success_key), failure_at, error)


_lock = threading.Lock()
_breakers: dict[str, Breaker] = {}


def for_url(url: str) -> Breaker:
    breaker = _breakers.get(url)
    if breaker is None:
        with _lock:
            breaker = _breakers.setdefault(url, Breaker(url))
    return breaker


def reset() -> None:
    """Forget what this process knows (tests); the shared entries stay."""
    with _lock:
        _breakers.clear()
