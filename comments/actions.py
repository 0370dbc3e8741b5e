"""
Changing a comment's status: the one function every moderation path goes through.

The admin's bulk actions, its change form and anything added later call
``change_status``, so its rules hold everywhere: a reply is not approved while
the comment it answers is not, each change is recorded in the admin history of
its comment, and an author who asked is emailed when their comment is approved.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet

from comments.models import Comment
from comments.notifications import notify_author_of_approval


@dataclass
class StatusChange:
    """What ``change_status`` did, for the caller to report."""

    status: str
    changed: list[Comment] = field(default_factory=list)
    unchanged: list[Comment] = field(default_factory=list)  # already in that status
    refused: list[Comment] = field(default_factory=list)  # replies to an unapproved comment


def refusal(comment: Comment, new_status: str, approved_ids: Iterable[int] = ()) -> str:
    """
    Why this comment may not take that status, or "" if it may.

    A reply is approved only once the comment it answers is: published alone,
    it would answer nothing the reader can see. ``approved_ids`` are comments
    approved in the same batch, so a parent and its reply can go together.
    """
    if new_status != Comment.Status.APPROVED or comment.parent_id is None:
        return ""
    if comment.parent.is_approved() or comment.parent_id in approved_ids:
        return ""
    return (
        "This reply cannot be approved while the comment it answers "
        f"(by {comment.parent.author_name}) is not approved; approve that one first."
    )


def change_status(
    comments: Comment | Iterable[Comment], new_status: str, *, by: AbstractBaseUser | None = None
) -> StatusChange:
    """
    Give comments a new status, keeping the rules above; record who did it.

    ``by`` is the moderator, whose change is logged in each comment's admin history.
    """
    if isinstance(comments, Comment):
        comments = [comments]
    elif isinstance(comments, QuerySet):
        comments = comments.select_related("article", "parent")
    # Parents before their replies, so approving both in one go works.
    ordered = sorted(comments, key=lambda comment: (comment.depth, comment.created_at, comment.pk))

    result = StatusChange(new_status)
    approved_ids: set[int] = set()
    previous: dict[str, list[Comment]] = {}
    for comment in ordered:
        if comment.status == new_status:
            result.unchanged.append(comment)
        elif refusal(comment, new_status, approved_ids):
            result.refused.append(comment)
        else:
            previous.setdefault(comment.status, []).append(comment)
            comment.status = new_status
            result.changed.append(comment)
            if new_status == Comment.Status.APPROVED:
                approved_ids.add(comment.pk)
    if not result.changed:
        return result

    label = Comment.Status(new_status).label
    with transaction.atomic():
        Comment.objects.filter(pk__in=[comment.pk for comment in result.changed]).update(
            status=new_status
        )
        if by is not None:
            for old_status, group in previous.items():
                LogEntry.objects.log_actions(
                    by.pk,
                    group,
                    CHANGE,
                    f"Status changed from {Comment.Status(old_status).label} to {label}.",
                )
        if new_status == Comment.Status.APPROVED:
            asked = [comment for comment in result.changed if comment.notify_on_approval]
            for comment in asked:
                notify_author_of_approval(comment)
                comment.notify_on_approval = False
            if asked:
                # One email at most: the wish is spent once it is granted.
                Comment.objects.filter(pk__in=[comment.pk for comment in asked]).update(
                    notify_on_approval=False
                )
    return result
