from django.db import migrations

SQLITE_CREATE = "CREATE VIRTUAL TABLE IF NOT EXISTS kb_search USING fts5(title, body, tokenize='porter unicode61')"
SQLITE_DROP = "DROP TABLE IF EXISTS kb_search"
POSTGRES_CREATE = "CREATE INDEX IF NOT EXISTS kb_indexedarticle_search ON kb_indexedarticle USING gin (search_vector)"
POSTGRES_DROP = "DROP INDEX IF EXISTS kb_indexedarticle_search"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
