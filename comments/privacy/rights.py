"""
A commenter's data rights: everything held about them, and its erasure.

Both find the commenter by email (``Comment.objects.by_email``), the only thing
that ties their comments together. The admin actions and the ``export_commenter``
and ``erase_commenter`` commands call these functions and nothing else.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from comments.models import Comment, CommentRevision, Mailbox
from comments.spam_filter import forget

ANONYMOUS = "Anonymous"
ERASED_TEXT = "This comment was erased at its author's request."
NO_DATA = "No data is held for that email address."


def export_commenter(email: str) -> dict[str, Any] | None:
    """
    Every stored field of every comment left with this address, as JSON-ready data.

    None when nothing is held, so callers can say so instead of sending an empty file.
    """
    comments = Comment.objects.by_email(email).select_related("article").order_by("pk")
    comments = list(comments.prefetch_related("revisions"))
    mailboxes = list(Mailbox.objects.of_person(email).order_by("pk"))
    if not comments and not mailboxes:
        return None
    return {
        "email": email.strip(),
        "exported_at": timezone.now().isoformat(),
        "site": settings.SITE_URL,
        "comments": [
            {
                "id": comment.pk,
                "article": comment.article.title,
                "url": comment.get_full_url(),
                "in_reply_to": comment.parent_id,
                "name": comment.author_name,
                "email": comment.author_email,
                "website": comment.author_url,
                "comment": comment.body,
                "status": comment.get_status_display(),
                "posted_at": comment.created_at.isoformat(),
                "ip_address": comment.ip_address,
                "user_agent": comment.user_agent,
                "held_because": comment.held_reason,
                "email_me_on_approval": comment.notify_on_approval,
                # The spam filter's judgement of it (comments/spam_filter/__init__.py), in words.
                "spam_score": comment.spam_score,
                "spam_clues": [clue.get("label") for clue in comment.spam_signals],
                **author_changes(comment),
            }
            for comment in comments
        ],
        "email_notifications": [export_mailbox(mailbox) for mailbox in mailboxes],
    }


def export_mailbox(mailbox: Mailbox) -> dict[str, Any]:
    """What one address asked to be emailed about, whether it agreed, and what was sent."""

    def when(moment) -> str | None:
        return moment.isoformat() if moment else None

    subscriptions = mailbox.subscriptions.select_related("article").order_by("pk")
    deliveries = mailbox.deliveries.order_by("pk")
    return {
        "email": mailbox.email,
        "asked_at": when(mailbox.created_at),
        "confirmed_at": when(mailbox.confirmed_at),
        "confirmation_sent_at": when(mailbox.confirmation_sent_at),
        "subscriptions": [
            {
                "what": subscription.get_kind_display(),
                "article": subscription.article.title if subscription.article else None,
                "replies_to_comment": subscription.comment_id,
                "since": when(subscription.created_at),
                "agreed_at": when(subscription.confirmed_at),
            }
            for subscription in subscriptions
        ],
        "confirmed_from_browsers": [
            when(browser.confirmed_at) for browser in mailbox.browsers.order_by("pk")
        ],
        "emails": [
            {
                "what": delivery.get_kind_display(),
                "status": delivery.get_status_display(),
                "queued_at": when(delivery.created_at),
                "sent_at": when(delivery.sent_at),
                "comments": list(delivery.notices.values_list("comment_id", flat=True)),
            }
            for delivery in deliveries
        ],
    }


def author_changes(comment: Comment) -> dict[str, Any]:
    """The texts the author replaced (comments/posting/editing.py), under "changes"; {} if none."""
    if not (revisions := comment.revisions.all()):
        return {}
    return {
        "changes": [
            {
                "change": revision.get_change_display(),
                "at": revision.created_at.isoformat(),
                "text_before": revision.body,
                "name_before": revision.author_name,
                "website_before": revision.author_url,
            }
            for revision in revisions
        ]
    }


@dataclass(frozen=True)
class Erasure:
    """What ``erase_commenter`` found: comments anonymised, and mailboxes forgotten."""

    comments: int
    mailboxes: int

    def __bool__(self) -> bool:
        return bool(self.comments or self.mailboxes)


@transaction.atomic
def erase_commenter(email: str, *, keep_text: bool, by) -> Erasure:
    """
    Anonymise every comment left with this address, and forget its email wishes.

    Name becomes "Anonymous"; email, its hash, website, IP address, user
    agent, the browser trust key, the held reason and the spam filter's score
    are cleared, and what their comments taught the filter is taken back; the
    text stays or is replaced, as staff chose. Comments are kept, not deleted,
    so replies to them keep their place in the thread.
    Each change is written to the admin history of its comment, as done by
    ``by``, and earlier history entries stop naming the commenter.
    """
    # Every wish for email, the consent, and the record of what was sent: all of it goes.
    mailboxes = Mailbox.objects.of_person(email).delete()[1].get(Mailbox._meta.label, 0)
    comments = Comment.objects.by_email(email)
    ids = list(comments.values_list("pk", flat=True))
    if not ids:
        return Erasure(comments=0, mailboxes=mailboxes)
    changes = {
        "author_name": ANONYMOUS,
        "author_email": "",
        "author_email_hash": "",
        "author_url": "",
        "ip_address": None,
        "user_agent": "",
        # Ties comments to the author's browser (comments/trust.py); and no one to email.
        "trust_key": "",
        "notify_on_approval": False,
        # Says which of their fields met a rule.
        "held_reason": "",
        # The spam filter's clues quote their words, website and browser.
        "spam_score": None,
        "spam_signals": [],
    }
    revisions = CommentRevision.objects.filter(comment__in=ids)
    # What their comments taught the spam filter goes from its counts.
    forget(ids)
    if not keep_text:
        changes["body"] = ERASED_TEXT
        # The earlier texts its author replaced (comments/posting/editing.py) go with the text.
        revisions.delete()
    else:
        # The names and websites shown before an edit (comments/desk/staff_edits.py) go with theirs.
        revisions.update(author_name=ANONYMOUS, author_url="")
    Comment.objects.filter(pk__in=ids).update(**changes)
    erased = Comment.objects.filter(pk__in=ids).select_related("article")
    # Earlier history entries name the comment as it was, "Comment by <name> on …".
    for comment in erased:
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Comment), object_id=str(comment.pk)
        ).update(object_repr=str(comment)[:200])
    what = "text kept" if keep_text else "text erased too"
    LogEntry.objects.log_actions(
        by.pk,
        erased,
        CHANGE,
        change_message=(
            "Erased the commenter's personal data at their request "
            f"(name, email, website, IP address, user agent; {what})."
        ),
    )
    return Erasure(comments=len(ids), mailboxes=mailboxes)
