"""The table of the shared cache (portal.cache.DatabaseCache), made by `migrate`.

A model rather than `manage.py createcachetable`, so that every database the project is migrated
into has it: scripts, tests, benchmarks and processes started by tests alike. Its columns are the
ones createcachetable makes (that command then finds the table and leaves it alone). Nothing reads
it through the ORM.
"""

from django.db import models

CACHE_TABLE = "portal_cache"


class CacheEntry(models.Model):
    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = CACHE_TABLE

    def __str__(self) -> str:
        return self.cache_key
