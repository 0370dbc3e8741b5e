"""
What the browser that posted a comment may still do with it: the rule, in one place.

The author edits or withdraws their comment from the browser that posted it
(comments/posting/editing.py), and the section shows an "Edit or withdraw"
link under each comment that browser may still change (comments/section/).
Both ask ``refusal`` here, so the link is shown exactly when the change
would be allowed.

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
"""

from django.conf import settings
from django.utils.crypto import constant_time_compare

from comments.models import Comment, CommentRevision
from comments.trust import trust_key
from lib.refusal import Refusal
from lib.text import parse_id

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


def too_late() -> str:
    minutes = settings.COMMENTS_EDIT_MINUTES
    return (
        f"A comment can only be changed or withdrawn in the {minutes} minute"
        f"{'s' if minutes != 1 else ''} after it is posted, and that time is over for this one."
    )


def too_many() -> str:
    return f"This comment has already been changed {MAX_EDITS} times, the most allowed."


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
) -> Refusal | None:
    """
    Why this browser may not edit (``editing``) or withdraw the comment now; None if it may.

    The browser is asked about first: another browser learns nothing of the comment.
    ``answered`` says whether a published reply answers it, when the caller
    already knows (a page's layout does); otherwise the database is asked.
    """
    if not is_from(comment, browser):
        return Refusal(NOT_YOURS, 403)
    if comment.status == Status.REMOVED:
        return Refusal(GONE, 410)
    if not settings.COMMENTS_EDIT_MINUTES:
        return Refusal(EDITING_OFF, 403)
    if not comment.is_editable():
        return Refusal(too_late(), 403)
    if comment.replies.approved().exists() if answered is None else answered:
        return Refusal(ANSWERED, 409)
    if editing and edit_count(comment) >= MAX_EDITS:
        return Refusal(too_many(), 403)
    return None


def edit_count(comment: Comment) -> int:
    return comment.revisions.filter(change=CommentRevision.Change.EDITED).count()
