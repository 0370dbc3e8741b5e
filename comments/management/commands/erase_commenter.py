from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import ngettext

from comments.privacy.rights import NO_DATA, erase_commenter


class Command(BaseCommand):
    help = (
        "Erase the personal data of the commenter with this email address: name, email, "
        "website, IP address and user agent; the comment text stays or goes as you choose."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The address the commenter used.")
        parser.add_argument(
            "--text",
            choices=["keep", "erase"],
            required=True,
            help="Keep the comments' text, or replace it with a note that it was erased.",
        )
        parser.add_argument(
            "--by",
            required=True,
            metavar="USERNAME",
            help="The staff member doing this, named in each comment's admin history.",
        )

    def handle(self, *args, email: str, text: str, by: str, **options) -> None:
        staff = get_user_model().objects.filter(username=by, is_staff=True).first()
        if staff is None:
            raise CommandError(f"--by must name a staff account; {by!r} is not one.")
        erased = erase_commenter(email, keep_text=text == "keep", by=staff)
        if not erased:
            self.stdout.write(NO_DATA)
            return
        if erased.comments:
            self.stdout.write(
                ngettext(
                    "Erased the personal data of %d comment.",
                    "Erased the personal data of %d comments.",
                    erased.comments,
                )
                % erased.comments
            )
        if erased.mailboxes:
            self.stdout.write("Forgot the address's email wishes and consent.")
