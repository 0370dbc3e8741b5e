import json

from django.core.management.base import BaseCommand, CommandParser

from comments.privacy.rights import NO_DATA, export_commenter


class Command(BaseCommand):
    help = "Print, as JSON, everything stored about the commenter with this email address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The address the commenter used.")

    def handle(self, *args, email: str, **options) -> None:
        data = export_commenter(email)
        if data is None:
            self.stderr.write(NO_DATA)
            return
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
