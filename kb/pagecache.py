"""Whole pages for anonymous visitors, kept in the shared cache and served without rendering.

Only a visitor without a session (no votes, no messages, nobody signed in) gets the shared copy:
for them a page depends only on its URL and language. Its CSRF token is each visitor's own: such a
page is rendered with a marker where the token goes (csrf_marker(), a context processor that
overrides Django's csrf_token), and the marker is replaced by the token of each visitor it is
served to, so no visitor's token is ever stored or shown to another. Every copy of a group carries the group's
generation, read in the same round trip, so that the portal's own writes (a rating, a comment)
drop every copy of the group at once (invalidate()); what staff change in the helpdesk shows after
ANONYMOUS_PAGE_CACHE_SECONDS (at most KAYAKO_CACHE_TTL) more than the data's own cache time.
A page shown from the helpdesk's old copies during an outage is not kept, and none is served while
the circuit breaker takes the helpdesk for unavailable (the page then says so).
"""

import time
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token

import kayako

CSRF_MARKER = "csrf-token-of-each-visitor"
RENDERING_TO_SHARE = "_page_rendered_to_share"


def csrf_marker(request) -> dict:
    """A context processor: the marker in place of the CSRF token while a page to share renders."""
    return {"csrf_token": CSRF_MARKER} if getattr(request, RENDERING_TO_SHARE, False) else {}


def _with_token(request, body: bytes) -> bytes:
    return body.replace(CSRF_MARKER.encode(), get_token(request).encode()) if CSRF_MARKER.encode() in body else body


def _generation_key(group: str) -> str:
    return f"pagecache:{group}:generation"


def invalidate(group: str) -> None:
    """Drop every page of the group kept so far (by moving the group to a new generation)."""
    try:
        cache.incr(_generation_key(group))
    except ValueError:
        cache.set(_generation_key(group), 1, None)


def _lifetime() -> int:
    """Never longer than the data's own cache time: a page is no older than its data may be."""
    return min(settings.ANONYMOUS_PAGE_CACHE_SECONDS, settings.KAYAKO_CACHE_TTL)


def _shareable(request) -> bool:
    return (request.method == "GET" and not request.GET and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and CookieStorage.cookie_name not in request.COOKIES and request.headers.get("HX-Request") is None)


def anonymous_page(group: str):
    """Keep the view's 200 pages for visitors without a session (see the module's docstring)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _shareable(request):
                return view(request, *args, **kwargs)
            generation_key = _generation_key(group)
            key = f"pagecache:{group}:{settings.RELEASE}:{request.LANGUAGE_CODE}:{request.path}"
            found = cache.get_many([generation_key, key])
            generation, kept = found.get(generation_key, 0), found.get(key)
            # While the helpdesk fails, pages are rendered from the data's copies, with the notice that says so.
            if kept is not None and kept[0] == generation and time.time() - kept[1] < _lifetime() \
                    and not kayako.helpdesk_failing():
                _, _, content_type, body = kept
                return HttpResponse(_with_token(request, body), content_type=content_type)
            setattr(request, RENDERING_TO_SHARE, True)
            try:
                response = view(request, *args, **kwargs)
            finally:
                setattr(request, RENDERING_TO_SHARE, False)
            if response.streaming:
                return response
            if response.status_code == 200 and kayako.stale_as_of() is None:
                cache.set(key, (generation, time.time(), response["Content-Type"], response.content), _lifetime())
            response.content = _with_token(request, response.content)
            return response

        return wrapper

    return decorator
