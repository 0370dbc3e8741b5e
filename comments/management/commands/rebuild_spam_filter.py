import time

from django.core.management.base import BaseCommand

from comments.spam_filter import rebuild


class Command(BaseCommand):
    help = (
        "Forget the spam filter's counts and learn every recorded moderator decision again, "
        "from the comments as they are now (after a restore, or a new version of the filter). "
        "Held comments are scored again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--statuses",
            action="store_true",
            help="Also learn the approved and spam comments nobody recorded a decision on, "
            "from their status (after importing a blog's history).",
        )

    def handle(self, *args, statuses: bool = False, **options) -> None:
        started = time.perf_counter()
        rebuilt = rebuild(statuses=statuses)
        learned = rebuilt.learned
        self.stdout.write(
            f"Learned {learned.spam} spam and {learned.genuine} genuine comments "
            f"({learned.features} features) and scored {rebuilt.rejudged} held comments "
            f"again in {time.perf_counter() - started:.1f} s."
        )
