"""The cache every process shares when there is no Redis: Django's database cache, with two changes.

Django's DatabaseCache.incr is a get and then a set: two processes can both read 4 and both write 5,
and the set gives the entry the default timeout, so a window of an hour becomes five minutes after
each hit. Rate limits and lockouts count with add and incr (common.abuse, the helpdesk's SOAP
sign-in throttle), so incr here is one step across processes and keeps the entry's expiry. add is
already one step (an INSERT that fails on the key), which is what allauth's cache lock relies on.

Django's set counts the table's rows, then reads the key and writes it in a transaction of its own:
on SQLite three statements that wait for the one writer, and a count of up to MAX_ENTRIES rows, for
every set (a submission's own, a delivery's several). set here is one upsert; one set in
CULL_CHECK_EVERY of each thread goes Django's way, which counts and culls past MAX_ENTRIES.
"""

import base64
import itertools
import pickle
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache.backends import db
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.db import connections, router, transaction

_MISSING = object()
CULL_CHECK_EVERY = 50


class DatabaseCache(db.DatabaseCache):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._sets = itertools.count()

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        if next(self._sets) % CULL_CHECK_EVERY == 0:
            super().set(key, value, timeout, version)
            return
        stored_key = self.make_and_validate_key(key, version=version)
        expires_at = self.get_backend_timeout(timeout)
        expires = datetime.max if expires_at is None else datetime.fromtimestamp(
            expires_at, tz=UTC if settings.USE_TZ else None)
        database = router.db_for_write(self.cache_model_class)
        connection = connections[database]
        quote = connection.ops.quote_name
        table, key_column, value_column, expires_column = (
            quote(self._table), quote("cache_key"), quote("value"), quote("expires"))
        # Encoded and dated as DatabaseCache._base_set does.
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({key_column}, {value_column}, {expires_column}) VALUES (%s, %s, %s) "  # noqa: S608 (names from settings)
                f"ON CONFLICT ({key_column}) DO UPDATE SET {value_column} = EXCLUDED.{value_column}, "
                f"{expires_column} = EXCLUDED.{expires_column}",
                [stored_key, encoded, connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))],
            )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        stored_key = self.make_and_validate_key(key, version=version)
        database = router.db_for_write(self.cache_model_class)
        connection = connections[database]
        quote = connection.ops.quote_name
        table, key_column, value_column = quote(self._table), quote("cache_key"), quote("value")
        with transaction.atomic(using=database), connection.cursor() as cursor:
            # A write first: it holds the row (PostgreSQL) or the database (SQLite) until the commit,
            # so nobody reads the value between this read and this write.
            cursor.execute(
                f"UPDATE {table} SET {value_column} = {value_column} WHERE {key_column} = %s",  # noqa: S608 (names from settings)
                [stored_key],
            )
            value = self.get(key, _MISSING, version=version)
            if value is _MISSING:
                raise ValueError(f"Key '{key}' not found")
            value += delta
            # Encoded as DatabaseCache._base_set encodes; the expiry is left as it was.
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {value_column} = %s WHERE {key_column} = %s",  # noqa: S608
                [encoded, stored_key],
            )
        return value
