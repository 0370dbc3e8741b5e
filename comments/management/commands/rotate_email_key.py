from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import ngettext

from comments.encryption import email_hash
from comments.models import Comment, Mailbox

BATCH = 500


class Command(BaseCommand):
    help = (
        "Re-encrypt and re-hash every stored email address with the first key in "
        "DJANGO_COMMENT_EMAIL_KEYS, so that the older keys can then be removed. "
        "Safe to run again."
    )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        ids = list(Comment.objects.exclude(author_email_hash="").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            # Reading decrypts with whichever key opens the row; writing encrypts with the first.
            batch = list(Comment.objects.filter(pk__in=ids[start : start + BATCH]))
            for comment in batch:
                comment.author_email_hash = email_hash(comment.author_email)
            Comment.objects.bulk_update(batch, ["author_email", "author_email_hash"])
        # The addresses that asked for email notifications, with both their hashes.
        mailboxes = list(Mailbox.objects.all())
        for mailbox in mailboxes:
            mailbox.email_hash = email_hash(mailbox.email, subaddress=True)
            mailbox.lookup_hash = email_hash(mailbox.email)
        Mailbox.objects.bulk_update(
            mailboxes, ["email", "email_hash", "lookup_hash"], batch_size=BATCH
        )
        ids += [mailbox.pk for mailbox in mailboxes]
        self.stdout.write(
            ngettext(
                "Re-encrypted %d email address with the newest key.",
                "Re-encrypted %d email addresses with the newest key.",
                len(ids),
            )
            % len(ids)
        )
