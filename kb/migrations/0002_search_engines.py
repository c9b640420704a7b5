from django.db import migrations

from common.vendor_sql import run_by_vendor

# The database's own full-text engine: an FTS5 table on SQLite, a GIN index on PostgreSQL.
# (create, drop) by database vendor; other databases search without either.
STATEMENTS = {
    "sqlite": (
        "CREATE VIRTUAL TABLE IF NOT EXISTS kb_search USING fts5(title, body, tokenize='porter unicode61')",
        "DROP TABLE IF EXISTS kb_search",
    ),
    "postgresql": (
        "CREATE INDEX IF NOT EXISTS kb_indexedarticle_search ON kb_indexedarticle USING gin (search_vector)",
        "DROP INDEX IF EXISTS kb_indexedarticle_search",
    ),
}


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]
    operations = [run_by_vendor(STATEMENTS)]
