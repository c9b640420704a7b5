"""Whole pages kept and served without rendering: the knowledge base's pages for
visitors without a session (one copy for all of them) and a signed-in customer's own ticket pages
(copies of their own, never served to anyone else).

A copy is kept under its group, the release, the language, its visitor (nobody, for visitors without
a session; else the customer) and its full path with the query string. Its CSRF token is each
visitor's own: a page to keep is rendered with a marker where the token goes (csrf_marker(), a
context processor that overrides Django's csrf_token), and the marker is replaced by the token of
each visitor it is served to, so no visitor's token is ever stored or shown to another.

Copies are kept in each process's memory (the `pages` cache); the generations of groups and
customers are in the shared cache, so that every process sees a write at once. Every copy carries
the generations it was rendered under, and is served only while they are current, so that the
portal's own writes drop copies at once, in every process: a rating or a comment every copy of the group
(invalidate()), a customer's address change every copy of that customer's, and a change to one of
their tickets only the copies of the pages that show it (customer_changed() with the pages' parts:
a view kept by part, say each ticket's page under its own, is dropped with its part alone). What
staff change in the helpdesk shows after the page's lifetime (at most KAYAKO_CACHE_TTL) more than
the data's own cache time, or RENEW_SECONDS more while another request renders the page again.

Neither kept nor served: pages for a request that holds messages, or that adds some; htmx requests;
pages whose data are not live (`live()` is false: shown from the helpdesk's old copies during an
outage, or the circuit breaker takes the helpdesk for unavailable; the page then says so). Not kept:
non-200 and streaming responses, and a page its view marks with keep_not().
"""

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token

CSRF_MARKER = "csrf-token-of-each-visitor"
RENDERING_TO_KEEP = "_page_rendered_to_keep"
NOT_TO_KEEP = "_page_not_to_keep"
RENEW_SECONDS = 2


def csrf_marker(request) -> dict:
    """A context processor: the marker in place of the CSRF token while a page to keep renders."""
    return {"csrf_token": CSRF_MARKER} if getattr(request, RENDERING_TO_KEEP, False) else {}


def _with_token(request, body: bytes) -> bytes:
    return body.replace(CSRF_MARKER.encode(), get_token(request).encode()) if CSRF_MARKER.encode() in body else body


def _generation_key(scope: str) -> str:
    return f"pagecache:{scope}:generation"


def invalidate(scope: str) -> None:
    """Drop every page of the scope (a group, or a customer) kept so far, by moving it to a new generation:
    a value it never had (one write, where counting up is a read and a write)."""
    cache.set(_generation_key(scope), secrets.token_hex(8), None)


def _customer_scope(user_id: int) -> str:
    return f"customer:{user_id}"


def customer_changed(user_id: int, *, parts: Iterable[str] | None = None) -> None:
    """Something a customer's pages show changed (their own write, their account): the pages of
    those `parts` (customer_page's), or without parts every page of theirs, render afresh. Never
    before the write commits (a page rendered in between would show the old data): in its
    transaction when the cache is the database's own table (the generation then commits with the
    data, or rolls back with it, and a submission or a delivery takes one write transaction, not
    two), else after the commit."""
    scope = _customer_scope(user_id)
    scopes = [scope] if parts is None else [f"{scope}:{part}" for part in parts]

    def move() -> None:
        for changed in scopes:
            invalidate(changed)

    if _commits_with_the_data():
        move()
    else:
        transaction.on_commit(move, robust=True)


def _commits_with_the_data() -> bool:
    backend = caches[DEFAULT_CACHE_ALIAS]
    return isinstance(backend, DatabaseCache) and router.db_for_write(backend.cache_model_class) == DEFAULT_DB_ALIAS


def keep_not(request) -> None:
    """The page this request renders is not to be kept (it says that what it shows is incomplete)."""
    setattr(request, NOT_TO_KEEP, True)


def _holds_messages(request) -> bool:
    return len(messages.get_messages(request)) > 0


def _anonymous(request) -> str | None:
    """Everyone without a session shares the copy: for them a page depends only on its URL and language
    (without a query string: no visitor makes copies at will)."""
    return "" if not request.GET and settings.SESSION_COOKIE_NAME not in request.COOKIES else None


def _customer(request) -> str | None:
    return _customer_scope(request.user.pk) if request.user.is_authenticated else None


def anonymous_page(group: str, *, seconds_setting: str, live: Callable[[], bool]):
    """Keep the view's pages for visitors without a session, one copy for all."""
    return _kept_page(group, visitor=_anonymous, seconds_setting=seconds_setting, live=live)


def customer_page(group: str, *, part: str, seconds_setting: str, live: Callable[[], bool]):
    """Keep the view's pages for each signed-in customer, for them only; others' requests pass through.
    `part`: which of the customer's pages these are, for customer_changed(); formatted with the view's
    keyword arguments ("ticket:{ticket_id}": each ticket's page its own part)."""
    return _kept_page(group, visitor=_customer, part=part, seconds_setting=seconds_setting, live=live)


def _kept_page(group: str, *, visitor: Callable, seconds_setting: str, live: Callable[[], bool], part: str = ""):
    """`visitor(request)`: whose copy the request gets ("" everyone's, else a customer's scope), None
    for no copy; `live()`: whether the page's data so far are the helpdesk's current ones; `part`:
    the visitor's part the page also belongs to (customer_page)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            # Never longer than the data's own cache time: a page is no older than its data may be.
            lifetime = min(getattr(settings, seconds_setting), settings.KAYAKO_CACHE_TTL)
            who = visitor(request) if lifetime > 0 and request.method == "GET" and \
                request.headers.get("HX-Request") is None else None
            if who is None or _holds_messages(request):
                return view(request, *args, **kwargs)
            scopes = [_generation_key(group)]
            if who:
                scopes.append(_generation_key(who))
            if who and part:
                scopes.append(_generation_key(f"{who}:{part.format(**kwargs)}"))
            key = "pagecache:" + hashlib.blake2b(repr((
                group, settings.RELEASE, request.LANGUAGE_CODE, who, request.get_full_path())).encode(),
                digest_size=20).hexdigest()
            pages = caches["pages"]
            found = cache.get_many(scopes)
            generations, kept = tuple(found.get(scope, 0) for scope in scopes), pages.get(key)
            renewing = False
            if kept is not None and kept[0] == generations and live():
                age = time.time() - kept[1]
                # Past its lifetime, one request renders the page again while the others are served the
                # copy (for at most RENEW_SECONDS): when every request waiting for a popular page rendered
                # it at once, on two cores they all took eight times as long.
                if lifetime <= age < lifetime + RENEW_SECONDS:
                    renewing = pages.add(f"{key}:renewing", True, RENEW_SECONDS)
                if age < lifetime or (age < lifetime + RENEW_SECONDS and not renewing):
                    _, _, content_type, body = kept
                    return HttpResponse(_with_token(request, body), content_type=content_type)
            setattr(request, RENDERING_TO_KEEP, True)
            try:
                response = view(request, *args, **kwargs)
            finally:
                setattr(request, RENDERING_TO_KEEP, False)
            if response.streaming:
                return response
            if response.status_code == 200 and live() and not getattr(request, NOT_TO_KEEP, False) \
                    and not _holds_messages(request):
                pages.set(key, (generations, time.time(), response["Content-Type"], response.content),
                          lifetime + RENEW_SECONDS)
            elif renewing:  # not kept: the next request renders it again
                pages.delete(f"{key}:renewing")
            response.content = _with_token(request, response.content)
            return response

        return wrapper

    return decorator
