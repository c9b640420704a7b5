from django.db import migrations

from common.vendor_sql import run_by_vendor

# Subjects searched by substring with an index (tickets/search.py): on SQLite an FTS5 table with
# the trigram tokenizer over the index's subjects (external content, kept in step by triggers;
# LIKE on it uses the trigram index), on PostgreSQL a trigram GIN index on UPPER(subject), which
# serves Django's icontains.
SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS tickets_subject_search USING fts5("
    "subject, content='tickets_indexedticket', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS tickets_subject_search_insert AFTER INSERT ON tickets_indexedticket BEGIN "
    "INSERT INTO tickets_subject_search(rowid, subject) VALUES (new.id, new.subject); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_subject_search_delete AFTER DELETE ON tickets_indexedticket BEGIN "
    "INSERT INTO tickets_subject_search(tickets_subject_search, rowid, subject) VALUES ('delete', old.id, old.subject);"
    " END",
    "CREATE TRIGGER IF NOT EXISTS tickets_subject_search_update AFTER UPDATE OF subject ON tickets_indexedticket "
    "WHEN old.subject IS NOT new.subject BEGIN "
    "INSERT INTO tickets_subject_search(tickets_subject_search, rowid, subject) VALUES ('delete', old.id, old.subject);"
    " INSERT INTO tickets_subject_search(rowid, subject) VALUES (new.id, new.subject); END",
]
STATEMENTS = {
    "sqlite": (SQLITE, [
        "DROP TRIGGER IF EXISTS tickets_subject_search_insert", "DROP TRIGGER IF EXISTS tickets_subject_search_delete",
        "DROP TRIGGER IF EXISTS tickets_subject_search_update", "DROP TABLE IF EXISTS tickets_subject_search",
    ]),
    "postgresql": ([
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX IF NOT EXISTS tickets_indexedticket_subject_trgm ON tickets_indexedticket "
        "USING gin (UPPER(subject) gin_trgm_ops)",
    ], "DROP INDEX IF EXISTS tickets_indexedticket_subject_trgm"),
}


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_ticket_search_index")]
    operations = [run_by_vendor(STATEMENTS)]
