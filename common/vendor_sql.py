"""Migration steps whose SQL depends on the database (full-text and trigram search differ)."""

from django.db import migrations

Statements = str | list[str]


def run_by_vendor(statements: dict[str, tuple[Statements, Statements]]) -> migrations.RunPython:
    """`statements`: (forwards, backwards) SQL by database vendor, each one statement or a list;
    other databases do nothing."""

    def step(position: int):
        def run(apps, schema_editor):
            pair = statements.get(schema_editor.connection.vendor)
            if pair:
                sql = pair[position]
                for statement in [sql] if isinstance(sql, str) else sql:
                    schema_editor.execute(statement)

        return run

    return migrations.RunPython(step(0), step(1))
