from django.db import migrations

from common.vendor_sql import run_by_vendor

# Words for typo tolerance (kb.search._similar_word): FTS5's vocabulary of the index on SQLite;
# the trigram extension on PostgreSQL (a trusted extension: the database owner may create it).
# (create, drop) by database vendor; other databases search without either.
STATEMENTS = {
    "sqlite": (
        "CREATE VIRTUAL TABLE IF NOT EXISTS kb_search_vocabulary USING fts5vocab(kb_search, 'row')",
        "DROP TABLE IF EXISTS kb_search_vocabulary",
    ),
    "postgresql": (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "SELECT 1",  # other tables may use the extension: it stays
    ),
}


class Migration(migrations.Migration):
    dependencies = [("kb", "0002_search_engines")]
    operations = [run_by_vendor(STATEMENTS)]
