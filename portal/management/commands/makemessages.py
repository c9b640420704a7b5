"""Django's makemessages with the project's settings, so that every run (a developer's, the test's)
extracts the same catalog: the site's and the embedded helpdesk's code, not the tests, benchmarks or
generated files; locations by file only (line numbers would change the .po with every edit); no
obsolete entries kept."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    IGNORED = ["tests", "bench", "var", "static", "deploy", "scripts"]

    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options["ignore_patterns"], *self.IGNORED]
        options["add_location"] = options["add_location"] or "file"
        options["no_obsolete"] = True
        super().handle(*args, **options)
