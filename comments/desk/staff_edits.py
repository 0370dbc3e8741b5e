"""
Staff who may change comments but not moderate them: their edits never reach readers unread.

``change_comment`` without ``can_moderate`` lets a staff member fix a typo, a
broken link or a name from a comment's page in the admin. What readers see
is a moderator's to decide, so such an edit keeps what the comment said
before as a ``CommentRevision`` (text, name and website, shown to moderators
on the comment's page) and a published comment goes back to the queue, as an
author's edit does (comments/posting/editing.py): a moderator reads the new text and
approves it again. A moderator's own edit is a moderation decision and stays
as it is.
"""

from django.contrib.auth.models import AbstractBaseUser

from comments.models import Comment, CommentRevision
from comments.moderation import became_held, change_status

# What staff may change on a comment's page, all of it shown to readers.
REVISED_FIELDS = ("body", "author_name", "author_url")
SENT_BACK = "Edited by staff who may not moderate, after it was published."


def may_publish_edits(user: AbstractBaseUser) -> bool:
    """Whether this staff member's edits stand without a moderator reading them."""
    return user.has_perm("comments.can_moderate")


def keep_edit(comment: Comment, before: dict[str, str], *, by: AbstractBaseUser) -> bool:
    """
    Keep what a non-moderator's edit replaced; True if it took the comment off the page.

    ``comment`` holds the new values, already saved; ``before`` the fields as they were.
    """
    CommentRevision.objects.create(
        comment=comment,
        change=CommentRevision.Change.STAFF,
        status=comment.status,
        **{name: before[name] for name in REVISED_FIELDS},
    )
    if not comment.is_approved():
        return False
    comment.held_reason = SENT_BACK
    comment.save(update_fields=["held_reason", "updated_at"])
    change_status(comment, Comment.Status.PENDING, by=by)
    became_held(comment)
    return True
