"""A migration step whose SQL depends on the database (the search engines differ); the leading
underscore keeps Django's migration loader from taking this module for a migration."""

from django.db import migrations


def run_by_vendor(statements: dict[str, tuple[str, str]]) -> migrations.RunPython:
    """`statements`: (forwards, backwards) SQL by database vendor; other databases do nothing."""

    def step(position: int):
        def run(apps, schema_editor):
            pair = statements.get(schema_editor.connection.vendor)
            if pair:
                schema_editor.execute(pair[position])

        return run

    return migrations.RunPython(step(0), step(1))
