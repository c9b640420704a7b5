"""What the service module knows of the page it is serving: how long the page may wait on the
helpdesk in all, what its calls learnt of the helpdesk, and what it was given from the cache
instead of a live answer. service.page_scope() makes one around each request (the portal's
middleware); outside one (the task worker, commands) there is none, and each call has only its
own timeouts."""

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Page:
    deadline: float  # time.monotonic() by which the page's calls must be done
    waited_for_a_slot: bool = False  # in vain (wire._slot): its other calls do not wait again
    unanswered: bool = False  # a call found the helpdesk unavailable: other reads take copies
    stale_since: float | None = None  # when the oldest copy shown instead of a live answer was stored


_current: contextvars.ContextVar[Page | None] = contextvars.ContextVar("kayako_page", default=None)


def current() -> Page | None:
    return _current.get()


@contextmanager
def scope(seconds: float) -> Iterator[Page]:
    """A page whose calls share `seconds` with the helpdesk in total."""
    page = Page(time.monotonic() + seconds)
    token = _current.set(page)
    try:
        yield page
    finally:
        _current.reset(token)
