"""``manage.py export_wordpress FILE``: every article and comment as a WordPress export."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wordpress.exporter import export


class Command(BaseCommand):
    help = (
        "Write every article, comment and mention as a WordPress export (WXR 1.2) that "
        "WordPress's importer (Tools → Import → WordPress) takes. The file holds commenters' "
        "email addresses in clear text: it is only readable by you; delete it once imported."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Where to write the export, e.g. relief-notes.xml.")
        parser.add_argument("--force", action="store_true", help="Replace FILE if it exists.")

    def handle(self, *args, file: str, force: bool, **options):
        if file == "-":
            raise CommandError(
                "The export holds commenters' email addresses in clear text, so it is only "
                "written to a file, never to the terminal: name one."
            )
        path = Path(file)
        if path.exists() and not force:
            raise CommandError(f"{file} exists already; add --force to replace it.")
        # Written beside it and moved into place whole, readable by its owner alone.
        partial = path.with_name(f".{path.name}.partial")
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as error:
            raise CommandError(f"{file} cannot be written: {error.strerror}.") from None
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as out:
                summary = export(out)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"{summary.line()} Written to {file}.")
        self.stderr.write(
            self.style.WARNING(
                f"{file} holds the email addresses of {len(summary.commenters)} commenter"
                f"{'s' if len(summary.commenters) != 1 else ''} in clear text, decrypted for "
                "this file alone. Keep it private, and once it is imported where it belongs, "
                f"delete it (rm {file}), and any copy of it."
            )
        )
