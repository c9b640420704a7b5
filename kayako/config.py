"""Which helpdesk to talk to, with which credentials: the admin's settings over the environment.

Site admins edit the connection in the admin (kayako.models.ApiConnection). Every process checks
that row at most every CHECK_SECONDS, so a change takes effect everywhere without a restart.
"""

import logging
import threading
from dataclasses import dataclass, field
from time import monotonic

from django.conf import settings
from django.db import DatabaseError

from .errors import Unavailable

logger = logging.getLogger("kayako")
CHECK_SECONDS = 3.0


@dataclass(frozen=True)
class ConnectionSettings:
    url: str
    wsdl_query: str  # the WSDL is at f"{url}?{wsdl_query}"
    username: str
    password: str = field(repr=False)
    connect_timeout: float
    read_timeout: float
    pool_size: int


@dataclass(frozen=True)
class _Checked:
    at: float
    environment: tuple[object, ...]
    settings: ConnectionSettings


_lock = threading.Lock()
_cached: _Checked | None = None


def _from_environment() -> ConnectionSettings:
    return ConnectionSettings(
        url=settings.KAYAKO_API_URL,
        wsdl_query=settings.KAYAKO_WSDL_QUERY,
        username=settings.KAYAKO_API_USERNAME,
        password=settings.KAYAKO_API_PASSWORD,
        connect_timeout=settings.KAYAKO_CONNECT_TIMEOUT,
        read_timeout=settings.KAYAKO_OPERATION_TIMEOUT,
        pool_size=settings.KAYAKO_POOL_SIZE,
    )


def _load(previous: _Checked | None) -> ConnectionSettings:
    """The stored connection over the environment's. When the row cannot be read, the settings
    this process last read stand; with none, the call is unavailable: never the environment's
    credentials in place of an admin's choice."""
    defaults = _from_environment()
    from .models import ApiConnection  # the app registry is ready by the first call

    try:
        stored = ApiConnection.objects.filter(pk=ApiConnection.SINGLETON_ID).first()
    except DatabaseError as error:
        logger.warning("the stored API connection could not be read (%s)", type(error).__name__)
        if previous is not None:
            return previous.settings
        raise Unavailable("the API connection settings could not be read") from None
    if stored is None:
        return defaults
    return ConnectionSettings(
        url=stored.url or defaults.url,
        wsdl_query=defaults.wsdl_query,
        username=stored.username or defaults.username,
        password=stored.password or defaults.password,
        connect_timeout=defaults.connect_timeout,
        read_timeout=defaults.read_timeout,
        pool_size=defaults.pool_size,
    )


def _same_environment(checked: _Checked | None, environment: tuple[object, ...]) -> _Checked | None:
    return checked if checked is not None and checked.environment == environment else None


def _fresh(checked: _Checked | None) -> ConnectionSettings | None:
    return checked.settings if checked is not None and monotonic() - checked.at < CHECK_SECONDS else None


def current() -> ConnectionSettings:
    global _cached
    environment = (settings.KAYAKO_API_URL, settings.KAYAKO_WSDL_QUERY, settings.KAYAKO_API_USERNAME, settings.KAYAKO_API_PASSWORD,
                   settings.KAYAKO_CONNECT_TIMEOUT, settings.KAYAKO_OPERATION_TIMEOUT, settings.KAYAKO_POOL_SIZE)
    fresh = _fresh(_same_environment(_cached, environment))
    if fresh is not None:
        return fresh
    with _lock:
        checked = _same_environment(_cached, environment)  # another thread may have checked meanwhile
        fresh = _fresh(checked)
        if fresh is not None:
            return fresh
        loaded = _load(checked)
        _cached = _Checked(monotonic(), environment, loaded)
        return loaded


def invalidate() -> None:
    global _cached
    with _lock:
        _cached = None
