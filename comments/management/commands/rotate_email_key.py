from collections.abc import Iterator

from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.utils.translation import ngettext

from comments.encryption import email_hash
from comments.models import Comment, Delivery, Mailbox

BATCH = 500


def batches(queryset: models.QuerySet) -> Iterator[list[models.Model]]:
    """The rows of ``queryset``, BATCH at a time: never every decrypted address at once."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        yield list(queryset.model.objects.filter(pk__in=ids[start : start + BATCH]))


class Command(BaseCommand):
    help = (
        "Re-encrypt and re-hash every stored email address with the first key in "
        "DJANGO_COMMENT_EMAIL_KEYS, so that the older keys can then be removed. "
        "Safe to run again."
    )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        # Reading decrypts with whichever key opens the row; writing encrypts with the first.
        count = 0
        for comments in batches(Comment.objects.exclude(author_email_hash="")):
            for comment in comments:
                comment.author_email_hash = email_hash(comment.author_email)
            Comment.objects.bulk_update(comments, ["author_email", "author_email_hash"])
            count += len(comments)
        # The addresses that asked for email notifications, with both their hashes.
        for mailboxes in batches(Mailbox.objects.all()):
            for mailbox in mailboxes:
                mailbox.email_hash = email_hash(mailbox.email, subaddress=True)
                mailbox.lookup_hash = email_hash(mailbox.email)
            Mailbox.objects.bulk_update(mailboxes, ["email", "email_hash", "lookup_hash"])
            count += len(mailboxes)
        # Moderators' addresses in the outbox (a held comment's email): no hash beside them.
        for deliveries in batches(Delivery.objects.filter(mailbox__isnull=True)):
            Delivery.objects.bulk_update(deliveries, ["staff_address"])
            count += len(deliveries)
        self.stdout.write(
            ngettext(
                "Re-encrypted %d email address with the newest key.",
                "Re-encrypted %d email addresses with the newest key.",
                count,
            )
            % count
        )
