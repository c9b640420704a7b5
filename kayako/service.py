"""The 19 functions of the Integration API, as the portal calls them.

Keyword arguments with the reference's defaults, frozen dataclasses out, KayakoError subclasses
raised. Reference data and the knowledge base are cached in the Django cache in versioned
namespaces, shared by every customer. A customer's tickets are always read live, and a copy is
kept under a key of that customer's own, shown to nobody else and only while the helpdesk cannot
answer. Writes are never retried; reads may retry once after a connection error.

What a page was given from the cache because the helpdesk could not answer is noted
(stale_as_of()), so that the page can say so.
"""

import dataclasses
import hashlib
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from . import breaker, config, pages, signals, types, wire
from .errors import NotFound, ProtocolError, Unavailable
from .types import (
    Article,
    ArticleSummary,
    AttachmentInfo,
    CategoryListing,
    CustomFieldGroup,
    Department,
    FromReply,
    NewAttachment,
    Priority,
    Status,
    SubmittedTicket,
    Ticket,
    TicketSummary,
    as_bool,
    as_int,
    as_list,
)

INT32_MIN = -2_147_483_648
INT32_MAX = 2_147_483_647
SORT_KEYS = ("lastactivity", "lastreplier", "ticketstatusid", "priorityid", "departmentid")
STALE_KEEP_SECONDS = 7 * 24 * 3600
KEEP_REWRITE_SECONDS = 60

T = TypeVar("T")
Parsed = TypeVar("Parsed", bound=FromReply)

@contextmanager
def page_scope() -> Iterator[None]:
    """Around one page: its calls share one operation timeout in total; once one of them finds
    the helpdesk unavailable, the page's other reads take the cache's copies where there are
    some; and what it is given from the cache so is noted for stale_as_of()."""
    with pages.scope(settings.KAYAKO_OPERATION_TIMEOUT):
        yield


def stale_as_of() -> datetime | None:
    """None when everything this page read came from the helpdesk (or from the cache while it was
    well); else the time of the oldest copy it was given because the helpdesk could not answer."""
    page = pages.current()
    return None if page is None or page.stale_since is None else datetime.fromtimestamp(page.stale_since, UTC)


def _served_stale(stored_at: float) -> None:
    page = pages.current()
    if page is not None:
        page.stale_since = stored_at if page.stale_since is None else min(page.stale_since, stored_at)


def _unanswered() -> bool:
    page = pages.current()
    return page is not None and page.unanswered


def _live(fetch: Callable[[], T]) -> T:
    """fetch(), noting on the page when the helpdesk could not answer it."""
    try:
        return fetch()
    except Unavailable:
        page = pages.current()
        if page is not None:
            page.unanswered = True
        raise


def helpdesk_failing() -> bool:
    """Whether the circuit breaker takes the helpdesk for unavailable (this process's view of the
    shared state, a few seconds old at most: no call, and mostly no cache read)."""
    return breaker.for_url(config.current().url).is_open()


def page_from_live_data() -> bool:
    """Whether what this page read so far is the helpdesk's current data, for a page cache to keep or
    serve it: the circuit breaker lets calls through and nothing came from the copies kept for an outage."""
    return stale_as_of() is None and not helpdesk_failing()


def helpdesk_state() -> breaker.Report:
    """The helpdesk's state as the circuit breaker and the last calls left it (no call is made)."""
    return breaker.for_url(config.current().url).report()


# --- caching -------------------------------------------------------------------------------


def _shapes_version() -> str:
    """A digest of the shapes of what is cached (the dataclasses of .types), in every key: a
    deploy that changes a shape reads under new keys and never unpickles an entry of the old one."""
    shapes = sorted(
        (kind.__qualname__, [(f.name, str(f.type)) for f in dataclasses.fields(kind)])
        for kind in vars(types).values()
        if isinstance(kind, type) and dataclasses.is_dataclass(kind)
    )
    return hashlib.sha256(repr(shapes).encode()).hexdigest()[:10]


SHAPES_VERSION = _shapes_version()


@lru_cache(maxsize=16)
def _server_prefix(url: str) -> str:
    """The keys of one helpdesk's data; memoised, so a cached read hashes nothing."""
    return f"kayako:{SHAPES_VERSION}:{hashlib.sha256(url.encode()).hexdigest()[:12]}"


def _keys(namespace: str, name: str) -> tuple[str, str]:
    """(the namespace's version key, the entry's key)."""
    prefix = _server_prefix(config.current().url)
    return f"{prefix}:ns:{namespace}", f"{prefix}:{namespace}:{name}"


# Shared entries as this process last read them: {key: (read at, entry)}. For KAYAKO_MEMO_SECONDS
# an entry is taken from here without a round trip to the shared cache (a page reads several: the
# reference data, its article); another process's invalidate() is seen that much later at most,
# this process's at once. Customers' entries are never kept here.
_memo: dict[str, tuple[float, tuple[Any, ...]]] = {}
MEMO_MAX_ENTRIES = 2000


def forget_memo() -> None:
    _memo.clear()
    _kept_written.clear()


def invalidate(namespace: str) -> None:
    """Drop everything cached under a namespace by moving it to a new version (and say so: signals.invalidated)."""
    version_key, entry_key = _keys(namespace, "")
    for key in [key for key in _memo if key.startswith(entry_key)]:
        _memo.pop(key, None)
    cache.set(version_key, secrets.token_hex(8), None)  # a version it never had: one write, not a read and a write
    signals.invalidated.send(sender=None, namespace=namespace)


def _cached(namespace: str, name: str, fetch: Callable[[], T], *, fresh_for: float | None = None,
            memo: bool = True) -> T:
    """Fresh for KAYAKO_CACHE_TTL (or fresh_for); an older copy is served only when the helpdesk
    cannot answer, and a fresh one is noted as stale while the circuit breaker is open.

    An entry carries the namespace version it was stored under, so one round trip reads both (and
    the breaker's state) and an entry from before an invalidation is never served.
    """
    version_key, key = _keys(namespace, name)
    circuit = breaker.for_url(config.current().url)
    now = time.time()
    fresh_seconds = settings.KAYAKO_CACHE_TTL if fresh_for is None else fresh_for
    memoed = _memo.get(key) if memo else None
    if memoed is not None and now - memoed[0] < settings.KAYAKO_MEMO_SECONDS and now - memoed[1][1] < fresh_seconds:
        if circuit.is_open():
            _served_stale(memoed[1][1])
        return memoed[1][2]  # type: ignore[no-any-return]
    found = cache.get_many([version_key, key, circuit.key])
    circuit.observe(found.get(circuit.key))
    version = found.get(version_key, 0)
    entry = found.get(key)
    if entry is not None and entry[0] != version:
        entry = None
    if entry is not None and len(entry) == 3 and now - entry[1] < fresh_seconds:  # (a 4th item: outdated)
        if memo:
            _remember(key, now, entry)
        if circuit.is_open():
            _served_stale(entry[1])
        return entry[2]  # type: ignore[no-any-return]
    if entry is not None and _unanswered():
        _served_stale(entry[1])
        return entry[2]  # type: ignore[no-any-return]
    try:
        if entry is None:
            value = _live(fetch)
        else:  # a copy to show: the helpdesk is given less time
            with wire.capped(settings.KAYAKO_REFRESH_TIMEOUT):
                value = _live(fetch)
    except (Unavailable, ProtocolError):
        if entry is None:
            raise
        _served_stale(entry[1])
        return entry[2]  # type: ignore[no-any-return]
    cache.set(key, (version, now, value), STALE_KEEP_SECONDS)
    if memo:
        _remember(key, now, (version, now, value))
    return value


def _outdate(namespace: str, name: str) -> None:
    """The entry is read again at its next use, and kept until then to be shown while the helpdesk
    cannot answer: deleting it would leave a page nothing to show during an outage (a 503)."""
    _, key = _keys(namespace, name)
    entry = cache.get(key)
    if entry is not None and len(entry) == 3:
        cache.set(key, (*entry, "outdated"), STALE_KEEP_SECONDS)


def _remember(key: str, now: float, entry: tuple[Any, ...]) -> None:
    if len(_memo) >= MEMO_MAX_ENTRIES:
        _memo.clear()
    _memo[key] = (now, entry)


def _customer_namespace(email: str) -> str:
    """The keys of this customer's own (a digest of the address), never shared between customers."""
    return f"customer:{hashlib.sha256(email.strip().lower().encode()).hexdigest()}"


def _customer_key(email: str, name: str) -> str:
    return _keys(_customer_namespace(email), name)[1]


# What this process last wrote under a customer's key: {key: (when, digest of the value)}, so that
# reading the customer's data costs no cache round trip while it is unchanged (the data itself is
# never kept in memory).
_kept_written: dict[str, tuple[float, int]] = {}


def _digest(value: object) -> int:
    try:
        return hash(value)
    except TypeError:  # a value holding a list or a dict
        return hash(repr(value))


def _kept(email: str, name: str, fetch: Callable[[], T]) -> T:
    """Always read live, and kept for the customer; the kept copy is served only when the helpdesk
    cannot answer.

    A copy the same as the one this process wrote less than KEEP_REWRITE_SECONDS ago is not written
    again, nor read: a page of a customer's costs no cache round trip while the helpdesk answers,
    and the copy's "as of" is at most that much older than it might be.
    """
    key = _customer_key(email, name)
    if _unanswered():
        kept = cache.get(key)
        if kept is not None:
            _served_stale(kept[0])
            return kept[1]  # type: ignore[no-any-return]
    try:
        value = _live(fetch)
    except (Unavailable, ProtocolError):
        kept = cache.get(key)
        if kept is None:
            raise
        _served_stale(kept[0])
        return kept[1]  # type: ignore[no-any-return]
    now, digest = time.time(), _digest(value)
    written = _kept_written.get(key)
    if written is None or written[1] != digest or now - written[0] >= KEEP_REWRITE_SECONDS:
        cache.set(key, (now, value), STALE_KEEP_SECONDS)
        if len(_kept_written) >= MEMO_MAX_ENTRIES:
            _kept_written.clear()
        _kept_written[key] = (now, digest)
    return value


def _query_name(operation: str, params: Mapping[str, Any]) -> str:
    return f"{operation}:{hashlib.sha256(repr(sorted(params.items())).encode()).hexdigest()[:16]}"


# --- calls ---------------------------------------------------------------------------------


def _read(operation: str, **params: Any) -> wire.Reply:
    return wire.call(operation, retry_read=True, **params)


def _write(operation: str, **params: Any) -> wire.Reply:
    return wire.call(operation, **params)


def _one(kind: type[Parsed], reply: wire.Reply) -> Parsed:
    return kind.parse(reply.value or {})


def _each(kind: type[Parsed], reply: wire.Reply) -> list[Parsed]:
    return [kind.parse(item) for item in as_list(reply.value)]


def _timestamp(value: datetime | int | None, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, datetime):
        return max(INT32_MIN, min(INT32_MAX, int(value.timestamp())))
    return int(value)


# --- knowledge base ------------------------------------------------------------------------


def get_knowledge_base_categories(*, category_id: int = 0) -> CategoryListing:
    return _cached(
        "kb", f"categories:{category_id}",
        lambda: _one(CategoryListing, _read("getKnowledgeBaseCategories", categoryId=category_id)),
    )


def get_knowledge_base_articles(*, category_id: int) -> tuple[ArticleSummary, ...]:
    return _cached(
        "kb", f"articles:{category_id}",
        lambda: tuple(_each(ArticleSummary, _read("getKnowledgeBaseArticles", categoryId=category_id))),
    )


def get_knowledge_base_article(*, article_id: int) -> Article:
    return _cached(
        f"article:{article_id}", "article",
        lambda: dataclasses.replace(_one(Article, _read("getKnowledgeBaseArticle", articleId=article_id)), id=article_id),
    )


def _invalidate_article(article_id: int) -> None:
    invalidate(f"article:{article_id}")
    invalidate("kb")  # its rating shows in its category's list


def rate_knowledge_base_article(*, article_id: int, helpful: bool) -> bool:
    result = as_bool(_write("rateKnowledgeBaseArticle", articleId=article_id, rateType=helpful).value)
    _invalidate_article(article_id)
    return result


def add_knowledge_base_article_comment(*, article_id: int, poster_name: str, comment: str) -> int:
    comment_id = as_int(
        _write("addKnowledgeBaseArticleComment", articleId=article_id, posterName=poster_name, comment=comment).value
    )
    _invalidate_article(article_id)
    return comment_id


# --- reference data ------------------------------------------------------------------------


def get_department_list() -> tuple[Department, ...]:
    return _cached(
        "reference", "departments",
        lambda: tuple(sorted(
            _each(Department, _read("getDepartmentList")), key=lambda d: (d.order, d.id)
        )),
    )


def get_department_custom_fields(*, department_id: int) -> tuple[CustomFieldGroup, ...]:
    return _cached(
        "reference", f"customfields:{department_id}",
        lambda: tuple(sorted(
            _each(CustomFieldGroup, _read("getDepartmentCustomFields", departmentId=department_id)),
            key=lambda g: (g.display_order, g.id),
        )),
    )


def get_priority_list() -> tuple[Priority, ...]:
    return _cached(
        "reference", "priorities",
        lambda: tuple(sorted(
            _each(Priority, _read("getPriorityList")), key=lambda p: (p.order, p.id)
        )),
    )


def get_status_list() -> tuple[Status, ...]:
    return _cached(
        "reference", "statuses",
        lambda: tuple(sorted(
            _each(Status, _read("getStatusList")), key=lambda s: (s.order, s.id)
        )),
    )


def ping() -> None:
    """One uncached call that goes through whatever the circuit breaker says, and decides it: the
    admin's "Test connection", or a periodic probe."""
    wire.call("getDepartmentList", retry_read=True, probe=True)


# --- tickets (the customer's own: read live, kept only for that customer) ---------------------


COUNT_CACHE_SECONDS = 30


def get_total_submitted_tickets(*, email: str) -> int:
    """Kept for COUNT_CACHE_SECONDS under a key of this customer's own, since it only sizes the
    pager; read again as soon as this portal has submitted a ticket for them."""
    return _cached(
        _customer_namespace(email), "total",
        lambda: as_int(_read("getTotalSubmittedTickets", email=email).value),
        fresh_for=COUNT_CACHE_SECONDS, memo=False,  # outdated at once, in every process, by a submission
    )


def get_submitted_tickets_with_extra_restrictions(
    *,
    email: str,
    num_per_page: int = 10,
    page: int = 1,
    sort_by: str = "lastactivity",
    order_asc: bool = False,
    min_start_date: datetime | int | None = None,
    max_start_date: datetime | int | None = None,
    min_last_activity: datetime | int | None = None,
    max_last_activity: datetime | int | None = None,
    min_due_date: datetime | int | None = None,
    max_due_date: datetime | int | None = None,
    specific_department: int = 0,
    specific_status: int = 0,
    specific_priority: int = 0,
) -> tuple[TicketSummary, ...]:
    params = {
        "email": email, "numPerPage": num_per_page, "page": page, "sortBy": sort_by, "orderAsc": order_asc,
        "minStartDate": _timestamp(min_start_date, INT32_MIN), "maxStartDate": _timestamp(max_start_date, INT32_MAX),
        "minLastActivity": _timestamp(min_last_activity, INT32_MIN),
        "maxLastActivity": _timestamp(max_last_activity, INT32_MAX),
        "minDueDate": _timestamp(min_due_date, INT32_MIN), "maxDueDate": _timestamp(max_due_date, INT32_MAX),
        "specificDepartment": specific_department, "specificStatus": specific_status,
        "specificPriority": specific_priority,
    }
    operation = "getSubmittedTicketsWithExtraRestrictions"
    return _kept(email, _query_name(operation, params),
                 lambda: tuple(_each(TicketSummary, _read(operation, **params))))


def get_submitted_tickets(
    *, email: str, num_per_page: int = 10, page: int = 1, sort_by: str = "lastactivity", order_asc: bool = False
) -> tuple[TicketSummary, ...]:
    params = {"email": email, "numPerPage": num_per_page, "page": page, "sortBy": sort_by, "orderAsc": order_asc}
    return _kept(email, _query_name("getSubmittedTickets", params),
                 lambda: tuple(_each(TicketSummary, _read("getSubmittedTickets", **params))))


def get_submitted_ticket(*, email: str, ticket_id: int) -> Ticket:
    return _kept(email, f"ticket:{ticket_id}", lambda: _ticket(email, ticket_id))


def _ticket(email: str, ticket_id: int) -> Ticket:
    answer = _read("getSubmittedTicket", email=email, ticketId=ticket_id)
    reply = answer.value
    # An original PHP server answers a serialize()'d string, or false for a missing ticket.
    if isinstance(reply, str):
        if reply.strip().lower() in ("", "false", "0", "b:0;"):
            raise NotFound(-13, "getSubmittedTicket")
        try:
            reply = answer.unserialized()
        except (ValueError, LookupError):
            raise ProtocolError("getSubmittedTicket: unreadable serialized ticket") from None
    if not isinstance(reply, dict):
        raise ProtocolError("getSubmittedTicket: unexpected reply")
    return Ticket.parse(reply)


def _attachments(attachments: Iterable[NewAttachment]) -> list[dict[str, str]]:
    return [{"name": a.name, "type": a.mime_type, "url": a.url} for a in attachments]


def _customs(customs: Mapping[int, str | Iterable[str]]) -> list[dict[str, int | str]]:
    """Custom values for the wire; several values of one field are joined by newlines."""
    return [
        {"id": int(field_id), "value": value if isinstance(value, str) else "\n".join(value)}
        for field_id, value in customs.items()
    ]


def submit_ticket(
    *,
    email: str,
    department_id: int,
    priority_id: int,
    full_name: str,
    subject: str,
    message: str,
    attachments: Iterable[NewAttachment] = (),
    send_auto: bool = True,
    pass_type: int = 0,
    password: str | None = None,
    customs: Mapping[int, str | Iterable[str]] | None = None,
) -> SubmittedTicket:
    reply = _write(
        "submitTicket",
        email=email, departmentId=department_id, priorityId=priority_id, fullName=full_name,
        subject=subject, message=message, attachments=_attachments(attachments), sendAuto=send_auto,
        passType=pass_type, **{"pass": password}, customs=_customs(customs or {}),
    )
    _outdate(_customer_namespace(email), "total")
    return _one(SubmittedTicket, reply)


def post_ticket_reply(*, email: str, ticket_id: int, reply: str, attachments: Iterable[NewAttachment] = ()) -> bool:
    return as_bool(
        _write("postTicketReply", email=email, ticketId=ticket_id, reply=reply, attachments=_attachments(attachments)).value
    )


def update_ticket_properties(*, email: str, ticket_id: int, new_status: int = 0, new_priority: int = 0) -> bool:
    return as_bool(
        _write("updateTicketProperties", email=email, ticketId=ticket_id, newStatus=new_status, newPriority=new_priority).value
    )


def set_custom_field_value(*, ticket_id: int, custom_field_id: int, value: str | Iterable[str]) -> bool:
    """setCustomFieldValue(typeid, customField, value). It takes no email: check ownership first."""
    text = value if isinstance(value, str) else "\n".join(value)
    return as_bool(_write("setCustomFieldValue", typeid=ticket_id, customField=custom_field_id, value=text).value)


def get_ticket_attachment(*, email: str, ticket_id: int, attachment_id: int) -> AttachmentInfo:
    return _one(AttachmentInfo, _read("getTicketAttachment", email=email, ticketId=ticket_id, attachmentId=attachment_id))


def update_email_address(*, old_email: str, new_email: str) -> bool:
    changed = as_bool(_write("updateEmailAddress", oldEmail=old_email, newEmail=new_email).value)
    cache.delete_many([_customer_key(old_email, "total"), _customer_key(new_email, "total")])
    return changed


def open_attachment_stream(url: str) -> wire.Download:
    """The content of an attachment URL from getTicketAttachment, as a streamed response."""
    return wire.open_stream(url)
