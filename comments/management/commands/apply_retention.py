from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from comments.privacy.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Clear IP addresses and user agents from old comments and delete old spam and "
        "removed comments, as the retention settings say. Safe to run daily from cron."
    )

    def handle(self, *args, **options) -> None:
        result = apply_retention()
        ip_days = settings.COMMENTS_KEEP_IP_DAYS
        discard_days = settings.COMMENTS_KEEP_DISCARDED_DAYS
        self.stdout.write(
            ngettext(
                "Cleared the IP address, user agent and held reason of %(count)d comment "
                "older than %(days)d days.",
                "Cleared the IP address, user agent and held reason of %(count)d comments "
                "older than %(days)d days.",
                result.cleared,
            )
            % {"count": result.cleared, "days": ip_days}
        )
        self.stdout.write(
            ngettext(
                "Deleted %(count)d spam or removed comment untouched for %(days)d days.",
                "Deleted %(count)d spam or removed comments untouched for %(days)d days.",
                result.deleted,
            )
            % {"count": result.deleted, "days": discard_days}
        )
        if result.kept_for_replies:
            self.stdout.write(
                ngettext(
                    "Kept %d old spam or removed comment: it has replies that stay.",
                    "Kept %d old spam or removed comments: they have replies that stay.",
                    result.kept_for_replies,
                )
                % result.kept_for_replies
            )
        if result.emails_forgotten or result.unconfirmed_forgotten:
            self.stdout.write(
                f"Forgot {result.emails_forgotten} sent or finished emails and "
                f"{result.unconfirmed_forgotten} never-confirmed addresses older than "
                f"{discard_days} days."
            )
