"""
Emails to moderators when a comment is held; and how a failure to send is told.

Messages are built in the request, once the comment is committed, and sent by a
django.tasks task run by the email worker, outside the request, so a slow or
broken mail server never slows or breaks a reader's submission. Each recipient
gets a message of their own, so nobody sees another's address, and no header
carries the commenter's. Emails to readers (approvals, replies, new comments,
confirmations) go through their own outbox, comments/delivery.py.
"""

import logging
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import Truncator

from blog.models import full_url
from comments.encryption import canonical_email
from comments.models import Comment

logger = logging.getLogger(__name__)

MODERATORS_GROUP = "Moderators"


@task
def send_email(subject: str, body: str, recipient: str) -> bool:
    """Send one plain-text message to one address; a failure is logged, never raised."""
    try:
        send_mail(subject, body, None, [recipient])
    except Exception as error:
        logger.error("Could not send the email “%s”: %s.", subject, why_not_sent(error))
        return False
    return True


def why_not_sent(error: Exception) -> str:
    """
    A failure to send, told without the address: its kind and the server's code.

    Never the exception's text or its traceback: SMTPRecipientsRefused holds the
    refused addresses, and a server's reply often repeats them.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return f"the mail server refused the recipient (code {', '.join(map(str, codes))})"
    if code := getattr(error, "smtp_code", None):
        return f"{type(error).__name__} (code {code})"
    return type(error).__name__


def queue_emails(subject: str, body: str, recipients: Iterable[str]) -> None:
    """Hand one message per recipient to the task backend once the transaction commits."""
    subject = " ".join(subject.split())  # A header never spans lines.
    recipients = list(recipients)

    def enqueue() -> None:
        for recipient in recipients:
            try:
                send_email.enqueue(subject, body, recipient)
            except Exception as error:
                logger.error("Could not queue the email “%s”: %s.", subject, why_not_sent(error))

    if recipients:
        transaction.on_commit(enqueue)


def moderator_addresses() -> list[str]:
    """Active members of the Moderators group with an email, then MANAGERS; each once."""
    members = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=MODERATORS_GROUP)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    unique: dict[str, str] = {}
    for address in [*members, *settings.MANAGERS]:
        unique.setdefault(canonical_email(address), address.strip())
    return list(unique.values())


def notify_moderators(comment: Comment) -> None:
    """Tell moderators about a new comment that waits for them; nothing for others."""
    if comment.status != Comment.Status.PENDING:
        return
    context = {
        "site_name": settings.SITE_NAME,
        "comment": comment,
        "article": comment.article,
        "excerpt": Truncator(comment.body).chars(500),
        "change_url": full_url(reverse("admin:comments_comment_change", args=[comment.pk])),
        "queue_url": full_url(reverse("admin:comments_comment_changelist")),
    }
    subject = f"[{settings.SITE_NAME}] Please moderate: “{comment.article.title}”"
    body = render_to_string("comments/email/held.txt", context)
    queue_emails(subject, body, moderator_addresses())
