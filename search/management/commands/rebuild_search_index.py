from django.core.management.base import BaseCommand

from search.index import rebuild


class Command(BaseCommand):
    help = "Index every article's text again (after changes made without saving each article)."

    def handle(self, *args, **options) -> None:
        count = rebuild()
        self.stdout.write(f"Indexed {count} article{'s' * (count != 1)}.")
