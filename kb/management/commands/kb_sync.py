from django.core.management.base import BaseCommand, CommandError

import kayako

from ... import search


class Command(BaseCommand):
    help = "Fill the local knowledge-base search index from the helpdesk, through the API."

    def handle(self, *args, **options):
        try:
            count = search.sync()
        except kayako.KayakoError as error:
            raise CommandError(f"The helpdesk could not be read: {error}") from None
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} articles."))
