"""
A few minutes to take it back: the author edits or withdraws their own comment.

Who may, when and how often is the rule in comments/section/ownership.py,
which the section also asks before it shows the "Edit or withdraw" link.

An edit meets the rules a new comment's text meets (``comments.posting.intake.decide``:
block words, links, moderated words, repeating a published comment), and never
publishes anything: a published comment goes back to the queue, a held one
stays held, and one caught as spam stays spam (it looks held to its sender, who
learns nothing). Withdrawing removes it. Each change keeps what the comment
said before as a ``CommentRevision``, which staff see on the comment's page in
the admin; statuses change through ``comments.moderation.change_status``.
"""

from dataclasses import dataclass

from django.db import transaction

from comments.models import Comment, CommentRevision, ModerationSettings
from comments.moderation import became_held, change_status
from comments.posting.intake import HELD_FOR_MODERATION, decide
from comments.section.ownership import refusal

Status = Comment.Status
EDITED = "Edited by its author."
EDITED_PUBLISHED = "Edited by its author after it was published."
WITHDRAWN = "Withdrawn by its author."


def beside(original: str, added: list[str]) -> str:
    """
    Why it is held now: the original reason, then what the edit added (each once).

    The moderator sees both: why it was held at first, and what the edit
    changed. The field's length is kept by shortening the original, never the new.
    """
    limit = Comment._meta.get_field("held_reason").max_length
    new = " ".join(part for part in added if part not in original)
    if not original or not new:
        return (original or new)[:limit]
    room = limit - len(new) - 1
    if len(original) > room:
        original = original[: max(room - 1, 0)].rstrip() + "…"
    return f"{original} {new}"[:limit]


@dataclass(frozen=True)
class Edit:
    """What an edit did."""

    comment: Comment
    changed: bool  # False when the text sent was the text already there
    was_published: bool


def edit(comment: Comment, body: str, browser: str) -> Edit:
    """
    Replace the comment's text with ``body`` (already cleaned by the form), or raise Refusal.

    The comment is read again under a row lock, so a moderator deciding on it
    at the same moment waits, then sees the new text (comments/desk/views.py).
    """
    with transaction.atomic():
        comment = locked(comment)
        if problem := refusal(comment, browser, editing=True):
            raise problem
        was_published = comment.is_approved()
        if body == comment.body:
            return Edit(comment, changed=False, was_published=was_published)
        keep_as_it_was(comment, CommentRevision.Change.EDITED)
        comment.body = body
        status, reason = decide(comment, ModerationSettings.load())
        caught = status == Status.SPAM or comment.status == Status.SPAM
        parts = [EDITED_PUBLISHED if was_published else EDITED]
        if status != Status.APPROVED and reason != HELD_FOR_MODERATION:
            parts.append(reason)
        comment.held_reason = beside(comment.held_reason, parts)
        comment.save(
            update_fields=["body", "held_reason", "updated_at", "spam_score", "spam_signals"]
        )
        change_status(comment, Status.SPAM if caught else Status.PENDING)
        if was_published and not caught:
            # Back in the queue: the moderators hear of it as of a new held comment.
            became_held(comment)
    return Edit(comment, changed=True, was_published=was_published)


def withdraw(comment: Comment, browser: str) -> Comment:
    """Remove the comment at its author's wish, or raise Refusal."""
    with transaction.atomic():
        comment = locked(comment)
        if problem := refusal(comment, browser):
            raise problem
        keep_as_it_was(comment, CommentRevision.Change.WITHDRAWN)
        comment.held_reason = WITHDRAWN
        comment.save(update_fields=["held_reason", "updated_at"])
        change_status(comment, Status.REMOVED)
    return comment


def keep_as_it_was(comment: Comment, change: str) -> None:
    """Record the comment's text and status before its author's change, for staff."""
    CommentRevision.objects.create(
        comment=comment,
        change=change,
        body=comment.body,
        author_name=comment.author_name,
        author_url=comment.author_url,
        status=comment.status,
    )


def locked(comment: Comment) -> Comment:
    """The comment as it is now, its row locked until the transaction ends."""
    return Comment.objects.locked().select_related("article").get(pk=comment.pk)
