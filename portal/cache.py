"""The cache every process shares when there is no Redis: Django's database cache, with one change.

Django's DatabaseCache.incr is a get and then a set: two processes can both read 4 and both write 5,
and the set gives the entry the default timeout, so a window of an hour becomes five minutes after
each hit. Rate limits and lockouts count with add and incr (common.abuse, the helpdesk's SOAP
sign-in throttle), so incr here is one step across processes and keeps the entry's expiry. add is
already one step (an INSERT that fails on the key), which is what allauth's cache lock relies on.
"""

import base64
import pickle
from typing import Any

from django.core.cache.backends import db
from django.db import connections, router, transaction

_MISSING = object()


class DatabaseCache(db.DatabaseCache):
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
