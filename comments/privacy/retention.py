"""
How long comments keep personal data they no longer need.

IP addresses, user agents and the reason a comment was held serve to spot spam
and abuse while a comment is new; spam and removed comments are kept a while
in case a moderator erred.
Both periods are settings (``COMMENTS_KEEP_IP_DAYS``,
``COMMENTS_KEEP_DISCARDED_DAYS``); ``manage.py apply_retention`` applies them.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments.models import Comment, Delivery, Mailbox, Subscription


@dataclass(frozen=True)
class RetentionResult:
    cleared: int
    deleted: int
    kept_for_replies: int
    emails_forgotten: int = 0
    unconfirmed_forgotten: int = 0


@transaction.atomic
def apply_retention() -> RetentionResult:
    """
    Clear old IP addresses and user agents, delete old spam and removed comments,
    finished emails, and addresses whose owners never confirmed them.

    Idempotent: a second run finds nothing left to do. A discarded comment that
    still has replies which stay is kept (deleting it would delete them too); it
    goes once they do.
    """
    now = timezone.now()
    ip_cutoff = now - timedelta(days=settings.COMMENTS_KEEP_IP_DAYS)
    # update() leaves updated_at alone: nothing a reader sees has changed. The held
    # reason goes too: it says which of the commenter's fields met a rule.
    cleared = (
        Comment.objects.filter(created_at__lt=ip_cutoff)
        .filter(Q(ip_address__isnull=False) | ~Q(user_agent="") | ~Q(held_reason=""))
        .update(ip_address=None, user_agent="", held_reason="")
    )

    discard_cutoff = now - timedelta(days=settings.COMMENTS_KEEP_DISCARDED_DAYS)
    discarded = Comment.objects.filter(
        status__in=[Comment.Status.SPAM, Comment.Status.REMOVED], updated_at__lt=discard_cutoff
    )
    deleted = 0
    # Leaves first, so a discarded thread goes from its tips up; its depth bounds the passes.
    while leaves := list(discarded.filter(replies__isnull=True).values_list("pk", flat=True)):
        deleted += Comment.objects.filter(pk__in=leaves).delete()[0]

    # The outbox keeps a finished email (its address, for a moderator's) only as long
    # as a discarded comment; the queue's record of its task likewise.
    finished = [Delivery.Status.SENT, Delivery.Status.CANCELLED, Delivery.Status.FAILED]
    emails = Delivery.objects.filter(status__in=finished, created_at__lt=discard_cutoff)
    emails_forgotten = emails.delete()[1].get(Delivery._meta.label, 0)
    DBTaskResult.objects.finished().filter(finished_at__lt=discard_cutoff).delete()
    # An address whose owner never confirmed it is forgotten with its wishes; its link
    # expired long before (COMMENTS_CONFIRM_LINK_DAYS). Not one that was asked again
    # lately, though it is old: its owner stopped all email, then ticked a wish anew.
    unconfirmed = Mailbox.objects.filter(
        Q(confirmation_sent_at__isnull=True) | Q(confirmation_sent_at__lt=discard_cutoff),
        confirmed_at__isnull=True,
        created_at__lt=discard_cutoff,
    )
    unconfirmed_forgotten = unconfirmed.delete()[1].get(Mailbox._meta.label, 0)
    # A wish typed from a browser its owner never confirmed, and never said yes to.
    Subscription.objects.waiting().filter(created_at__lt=discard_cutoff).delete()
    return RetentionResult(
        cleared=cleared,
        deleted=deleted,
        kept_for_replies=discarded.count(),
        emails_forgotten=emails_forgotten,
        unconfirmed_forgotten=unconfirmed_forgotten,
    )
