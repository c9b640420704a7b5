"""Failed API sign-ins, throttled per client address through the Django cache (shared by all processes
when the cache is).

The first HELPDESK_API_FREE_FAILURES failures of an address cost nothing (a typo, a rotated
password); each one after locks the address out, for 2 s, then 4 s, 8 s, ... up to
HELPDESK_API_MAX_LOCKOUT_SECONDS. While an address is locked out every call from it is answered with
the same -1 fault at once, whatever its credentials, so guessing gains nothing, no worker thread
sleeps (an attacker cannot tie them all up), and clients at other addresses are not slowed at all.
A successful sign-in forgets the address's failures. The failures are remembered for a day after
the last one.
"""

import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger("helpdesk.soap")

FAILURES_KEY = "helpdesk:api-sign-in-failures:{}"
LOCKED_KEY = "helpdesk:api-sign-in-locked:{}"
REMEMBER_FAILURES_SECONDS = 24 * 3600


def lockout_seconds(failures: int) -> int:
    """How long an address is locked out after its n-th failure in a row (0: not at all)."""
    beyond = failures - settings.HELPDESK_API_FREE_FAILURES
    if beyond <= 0:
        return 0
    return min(2 ** min(beyond, 30), settings.HELPDESK_API_MAX_LOCKOUT_SECONDS)


def state(address: str) -> dict:
    """One cache read per call: whether the address is locked out and whether it has failures to forget."""
    return cache.get_many([LOCKED_KEY.format(address), FAILURES_KEY.format(address)])


def is_locked_out(address: str, known: dict) -> bool:
    return LOCKED_KEY.format(address) in known


def succeeded(address: str, known: dict) -> None:
    if FAILURES_KEY.format(address) in known:
        cache.delete(FAILURES_KEY.format(address))


def failed(address: str) -> None:
    key = FAILURES_KEY.format(address)
    if cache.add(key, 1, REMEMBER_FAILURES_SECONDS):
        failures = 1
    else:
        try:
            failures = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, REMEMBER_FAILURES_SECONDS)
            failures = 1
        cache.touch(key, REMEMBER_FAILURES_SECONDS)
    seconds = lockout_seconds(failures)
    if seconds:
        cache.set(LOCKED_KEY.format(address), failures, seconds)
        logger.warning("soap sign-in failure %d from %s: locked out for %d s", failures, address, seconds)
    else:
        logger.info("soap sign-in failure %d from %s", failures, address)
