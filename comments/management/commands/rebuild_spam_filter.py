import time

from django.core.management.base import BaseCommand

from comments.spam_filter import rebuild


class Command(BaseCommand):
    help = (
        "Count the spam filter's recorded moderator decisions again (after a restore), or "
        "learn each again from its comment as it is now (--relearn; done by itself after a "
        "new version of the filter). Held comments are scored again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--statuses",
            action="store_true",
            help="Also learn the approved and spam comments nobody recorded a decision on, "
            "from their status (after importing a blog's history).",
        )

        parser.add_argument(
            "--relearn",
            action="store_true",
            help="Read every decided comment again instead of counting what was recorded.",
        )

    def handle(self, *args, statuses: bool = False, relearn: bool = False, **options) -> None:
        started = time.perf_counter()
        rebuilt = rebuild(statuses=statuses, relearn=relearn)
        learned = rebuilt.learned
        self.stdout.write(
            f"Learned {learned.spam} spam and {learned.genuine} genuine comments "
            f"({learned.features} features) and scored {rebuilt.rejudged} held comments "
            f"again in {time.perf_counter() - started:.1f} s."
        )
