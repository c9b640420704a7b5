"""Which helpdesk to talk to, with which credentials: the admin's settings over the environment.

Site admins edit the connection in the admin (kayako.models.ApiConnection). Every process checks
that row at most every CHECK_SECONDS, so a change takes effect everywhere without a restart.
"""

import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings

logger = logging.getLogger("kayako")
CHECK_SECONDS = 3.0


@dataclass(frozen=True)
class ConnectionSettings:
    url: str
    username: str
    password: str = field(repr=False)
    connect_timeout: float
    read_timeout: float
    pool_size: int


_lock = threading.Lock()
_cached: tuple[float, tuple, ConnectionSettings] | None = None


def _from_environment() -> ConnectionSettings:
    return ConnectionSettings(
        url=settings.KAYAKO_API_URL,
        username=settings.KAYAKO_API_USERNAME,
        password=settings.KAYAKO_API_PASSWORD,
        connect_timeout=settings.KAYAKO_CONNECT_TIMEOUT,
        read_timeout=settings.KAYAKO_OPERATION_TIMEOUT,
        pool_size=settings.KAYAKO_POOL_SIZE,
    )


def _load() -> ConnectionSettings:
    defaults = _from_environment()
    from kayako.models import ApiConnection  # the app registry is ready by the first call

    try:
        stored = ApiConnection.objects.filter(pk=ApiConnection.SINGLETON_ID).first()
    except Exception:  # no table yet (before migrate) or no database in this context
        logger.debug("no stored API connection; using the environment", exc_info=True)
        return defaults
    if stored is None:
        return defaults
    return ConnectionSettings(
        url=stored.url or defaults.url,
        username=stored.username or defaults.username,
        password=stored.password or defaults.password,
        connect_timeout=defaults.connect_timeout,
        read_timeout=defaults.read_timeout,
        pool_size=defaults.pool_size,
    )


def current() -> ConnectionSettings:
    global _cached
    environment = (settings.KAYAKO_API_URL, settings.KAYAKO_API_USERNAME, settings.KAYAKO_API_PASSWORD,
                   settings.KAYAKO_CONNECT_TIMEOUT, settings.KAYAKO_OPERATION_TIMEOUT)
    cached = _cached
    if cached is not None and cached[1] == environment and time.monotonic() - cached[0] < CHECK_SECONDS:
        return cached[2]
    with _lock:
        loaded = _load()
        _cached = (time.monotonic(), environment, loaded)
        return loaded


def invalidate() -> None:
    global _cached
    with _lock:
        _cached = None
