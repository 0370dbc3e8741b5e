"""
A few minutes to take it back: the author edits or withdraws their own comment.

- **Who**: the browser that posted it, and no other. Its token (comments/trust.py)
  must digest to the comment's ``trust_key``; a name or an email address,
  which anyone can type, counts for nothing. A site reply, an imported
  comment and an erased commenter's have no key, so nobody can. Any other
  browser gets the 404 of an id nobody has (``own_comment``), whatever the
  comment's article or state.
- **When**: within COMMENTS_EDIT_MINUTES of posting (``Comment.is_editable``),
  held or published, and not once a reply is published under it: that reply
  answers the text as it was.
- **What**: the text only, at most ``MAX_EDITS`` times.

An edit meets the rules a new comment's text meets (``comments.intake.decide``:
block words, links, moderated words, repeating a published comment), and never
publishes anything: a published comment goes back to the queue, a held one
stays held, and one caught as spam stays spam (it looks held to its sender, who
learns nothing). Withdrawing removes it. Each change keeps what the comment
said before as a ``CommentRevision``, which staff see on the comment's page in
the admin; statuses change through ``comments.moderation.change_status``.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare

from comments.intake import HELD_FOR_MODERATION, decide
from comments.models import Comment, CommentRevision, ModerationSettings
from comments.moderation import change_status
from comments.notifications import notify_moderators
from comments.text import parse_id
from comments.trust import trust_key

Status = Comment.Status
MAX_EDITS = 10

NOT_YOURS = (
    "This comment was posted from another browser, so it cannot be changed from this one. "
    "Only the browser that posted a comment can edit or withdraw it."
)
EDITING_OFF = "Comments cannot be changed once they are posted on this site."
GONE = "This comment has been withdrawn or removed, so it can no longer be changed."
ANSWERED = (
    "Someone has already replied to this comment, so it can no longer be changed or withdrawn."
)
EDITED = "Edited by its author."
EDITED_PUBLISHED = "Edited by its author after it was published."
WITHDRAWN = "Withdrawn by its author."


def too_late() -> str:
    minutes = settings.COMMENTS_EDIT_MINUTES
    return (
        f"A comment can only be changed or withdrawn in the {minutes} minute"
        f"{'s' if minutes != 1 else ''} after it is posted, and that time is over for this one."
    )


def too_many() -> str:
    return f"This comment has already been changed {MAX_EDITS} times, the most allowed."


class Refused(Exception):
    """A change the author may not make, with the sentence and HTTP status to answer it."""

    def __init__(self, sentence: str, status: int = 403):
        super().__init__(sentence)
        self.sentence = sentence
        self.status = status


def is_from(comment: Comment, browser: str) -> bool:
    """Whether this browser token posted the comment."""
    return bool(comment.trust_key) and constant_time_compare(comment.trust_key, trust_key(browser))


def own_comment(comment_id: str, browser: str) -> Comment | None:
    """
    The comment this browser posted, or None: for a comment another browser
    posted, as for an id nobody has.

    One query, the same in both cases (the browser's key is part of it), so
    neither the answer nor the time it takes says that the id exists, on
    which article, or in what state.
    """
    if (number := parse_id(comment_id)) is None:
        return None
    own = Comment.objects.select_related("article").exclude(trust_key="")
    return own.filter(pk=number, trust_key=trust_key(browser)).first()


def refusal(
    comment: Comment, browser: str, *, editing: bool = False, answered: bool | None = None
) -> Refused | None:
    """
    Why this browser may not edit (``editing``) or withdraw the comment now; None if it may.

    The browser is asked about first: another browser learns nothing of the comment.
    ``answered`` says whether a published reply answers it, when the caller
    already knows (a page's layout does); otherwise the database is asked.
    """
    if not is_from(comment, browser):
        return Refused(NOT_YOURS, 403)
    if comment.status == Status.REMOVED:
        return Refused(GONE, 410)
    if not settings.COMMENTS_EDIT_MINUTES:
        return Refused(EDITING_OFF, 403)
    if not comment.is_editable():
        return Refused(too_late(), 403)
    if comment.replies.approved().exists() if answered is None else answered:
        return Refused(ANSWERED, 409)
    if editing and edit_count(comment) >= MAX_EDITS:
        return Refused(too_many(), 403)
    return None


def edit_count(comment: Comment) -> int:
    return comment.revisions.filter(change=CommentRevision.Change.EDITED).count()


@dataclass(frozen=True)
class Edit:
    """What an edit did."""

    comment: Comment
    changed: bool  # False when the text sent was the text already there
    was_published: bool


def edit(comment: Comment, body: str, browser: str) -> Edit:
    """
    Replace the comment's text with ``body`` (already cleaned by the form), or raise Refused.

    The comment is read again under a row lock, so a moderator deciding on it
    at the same moment waits, then sees the new text (comments/admin_desk.py).
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
        comment.held_reason = " ".join(parts)[: Comment._meta.get_field("held_reason").max_length]
        comment.save(
            update_fields=["body", "held_reason", "updated_at", "spam_score", "spam_signals"]
        )
        change_status(comment, Status.SPAM if caught else Status.PENDING)
        if was_published and not caught:
            # Back in the queue: the moderators hear of it as of a new held comment.
            notify_moderators(comment)
    return Edit(comment, changed=True, was_published=was_published)


def withdraw(comment: Comment, browser: str) -> Comment:
    """Remove the comment at its author's wish, or raise Refused."""
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
    rows = Comment.objects.select_for_update(of=("self",)).select_related("article")
    return rows.get(pk=comment.pk)
