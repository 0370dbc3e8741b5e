"""
Changing a comment's status: the one function every moderation path goes through.

The admin's bulk actions, its change form and anything added later call
``change_status``, so its rules hold everywhere:

- "approved" alone means public: a reply is not approved while the comment it
  answers is not, and a comment that stops being approved takes its approved
  replies with it (back to pending with it, or removed);
- each change is recorded in the admin history of its comment;
- each decision staff make teaches the spam filter (comments/spam_filter/__init__.py);
- what an approval makes public is announced to those who asked and
  confirmed (comments/mail/subscriptions.py).

Beside it, ``became_held`` is what a comment newly waiting for a moderator
sets off (they are told): posting a held comment and editing a published one
back into the queue both call it, and so will anything added later.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Model, QuerySet

from comments.mail.notifications import notify_moderators
from comments.mail.subscriptions import announce
from comments.models import Comment
from comments.spam_filter import learn


@dataclass
class StatusChange:
    """What ``change_status`` did, for the caller to report."""

    status: str
    changed: list[Comment] = field(default_factory=list)
    unchanged: list[Comment] = field(default_factory=list)  # already in that status
    refused: list[Comment] = field(default_factory=list)  # replies to an unapproved comment
    # Not in the status the moderator saw any more (``seen``); each holds its status now.
    stale: list[Comment] = field(default_factory=list)
    # Not the text the moderator read any more (``texts``): its author edited it since.
    edited: list[Comment] = field(default_factory=list)
    # Approved replies that left with the comment they answer, and the status they took.
    followed: list[Comment] = field(default_factory=list)
    # The status each changed or followed comment had before, by id (what an undo restores).
    previous: dict[int, str] = field(default_factory=dict)


def follower_status(new_status: str) -> str:
    """What the approved replies of a comment that stops being approved become."""
    if new_status == Comment.Status.PENDING:
        return Comment.Status.PENDING
    return Comment.Status.REMOVED


def approved_replies(comments: Iterable[Comment]) -> list[Comment]:
    """Every approved reply below these comments, at any depth, in thread order."""
    found: list[Comment] = []
    parents = [comment.pk for comment in comments]
    while parents:
        replies = list(Comment.objects.approved().filter(parent__in=parents).order_by("pk"))
        found += replies
        parents = [reply.pk for reply in replies]
    return found


def waits_for_parent(parent: Comment | None, approved_ids: Iterable[int] = ()) -> bool:
    """
    Whether a reply to ``parent`` may not be approved yet: the rule, in one place.

    A reply is approved only once the comment it answers is: published alone,
    it would answer nothing the reader can see. ``approved_ids`` are comments
    approved in the same batch, so a parent and its reply can go together.
    Every approval asks it, the WordPress import included.
    """
    return parent is not None and not parent.is_approved() and parent.pk not in approved_ids


def is_refused(comment: Comment, new_status: str, approved_ids: Iterable[int] = ()) -> bool:
    """Whether this comment may not take that status: a reply waiting for its parent."""
    return new_status == Comment.Status.APPROVED and waits_for_parent(comment.parent, approved_ids)


def change_status(
    comments: Comment | Iterable[Comment],
    new_status: str,
    *,
    by: AbstractBaseUser | None = None,
    seen: str | Mapping[int, str] | None = None,
    texts: Mapping[int, str] | None = None,
    undoing: bool = False,
) -> StatusChange:
    """
    Give comments a new status, keeping the rules above; record who did it.

    ``by`` is the moderator, whose change is logged in each comment's admin history.
    ``seen`` is the status the moderator saw the comments in (or each one's, by
    id): their statuses are read again, locked, and one that has changed since
    (another moderator was quicker) is left alone, in ``stale``. ``texts`` holds,
    by id, the digest of the text the moderator read (``Comment.text_digest``;
    a comment without one is not checked): one whose text has changed since is
    left alone, in ``edited``, whatever its status. ``undoing`` says in the
    history that the change takes back an earlier decision.
    """
    if isinstance(comments, Comment):
        comments = [comments]
    elif isinstance(comments, QuerySet):
        comments = comments.select_related("article", "parent")
    with transaction.atomic():
        return _change_status(list(comments), new_status, by, seen, texts or {}, undoing)


def _change_status(
    comments: list[Comment],
    new_status: str,
    by: AbstractBaseUser | None,
    seen: str | Mapping[int, str] | None,
    texts: Mapping[int, str],
    undoing: bool,
) -> StatusChange:
    result = StatusChange(new_status)
    if seen is not None or texts:
        comments, result.stale, result.edited = still_as_seen(comments, seen, texts)
    # Parents before their replies, so approving both in one go works.
    ordered = sorted(comments, key=lambda comment: (comment.depth, comment.created_at, comment.pk))

    approved_ids: set[int] = set()
    for comment in ordered:
        if comment.status == new_status:
            result.unchanged.append(comment)
        elif is_refused(comment, new_status, approved_ids):
            result.refused.append(comment)
        else:
            result.previous[comment.pk] = comment.status
            result.changed.append(comment)
            if new_status == Comment.Status.APPROVED:
                approved_ids.add(comment.pk)
    if not result.changed:
        return result

    leaving = [c for c in result.changed if result.previous[c.pk] == Comment.Status.APPROVED]
    if new_status != Comment.Status.APPROVED and leaving:
        changed_ids = set(result.previous)
        result.followed = [c for c in approved_replies(leaving) if c.pk not in changed_ids]
        result.previous |= {comment.pk: comment.status for comment in result.followed}

    why = ", undoing an earlier decision" if undoing else ""
    _store(result.changed, new_status, result.previous, by, why=why)
    why = ", with the comment it answers"
    _store(result.followed, follower_status(new_status), result.previous, by, why=why)
    # Followers moved by rule, not by a decision on them: they teach nothing.
    learn(result.changed, result.previous, new_status, by=by, undoing=undoing)
    if new_status == Comment.Status.APPROVED:
        # In this transaction: the emails are kept exactly when the approval is.
        announce(result.changed)
    return result


def became_held(item: Model) -> None:
    """
    A comment now waits for a moderator (new and held, or edited back into the
    queue), or anything else moderated with a comment's statuses (a mention from
    another blog, new or changed).

    The moderators are told, by an email each, sent after the transaction
    commits (comments/mail/notifications.py). Called in the caller's
    transaction, like ``announce`` in an approval's.
    """
    notify_moderators(item)


def still_as_seen(
    comments: list[Comment], seen: str | Mapping[int, str] | None, texts: Mapping[int, str]
) -> tuple[list[Comment], list[Comment], list[Comment]]:
    """
    Split comments into those still as the moderator saw them, those whose
    status is not ``seen`` any more (stale), and those whose text is not the
    one in ``texts`` (edited; checked first, as it is what was decided on).

    The one rule for "decide only on what the moderator saw": ``change_status``
    and the desk's reply (comments/desk/operations.py) both ask it. Statuses
    and texts are read again under a row lock, so a moderator acting at the
    same moment waits and then finds the change made: two decisions on one
    comment never both pass. An author editing at that moment waits too
    (comments/posting/editing.py): a decision never applies to a text its moderator
    did not read. Each comment is given its status as read.
    """
    locked = Comment.objects.locked().filter(pk__in=[comment.pk for comment in comments])
    now = {row.pk: row for row in locked.only("pk", "status", "body")}
    still, stale, edited = [], [], []
    for comment in comments:
        row = now.get(comment.pk)
        status_now = row.status if row else None
        comment.status = status_now or comment.status
        expected = seen if seen is None or isinstance(seen, str) else seen.get(comment.pk)
        if row and comment.pk in texts and row.text_digest() != texts[comment.pk]:
            edited.append(comment)
        elif seen is not None and status_now != expected:
            stale.append(comment)
        else:
            still.append(comment)
    return still, stale, edited


def _store(
    comments: list[Comment],
    status: str,
    previous: dict[int, str],
    by: AbstractBaseUser | None,
    *,
    why: str,
) -> None:
    """Write the new status, and one history entry per comment saying from what it changed."""
    if not comments:
        return
    Comment.objects.filter(pk__in=[comment.pk for comment in comments]).update(status=status)
    by_old_status: dict[str, list[Comment]] = {}
    for comment in comments:
        comment.status = status
        by_old_status.setdefault(previous[comment.pk], []).append(comment)
    if by is None:
        return
    label = Comment.Status(status).label
    for old_status, group in by_old_status.items():
        LogEntry.objects.log_actions(
            by.pk,
            group,
            CHANGE,
            f"Status changed from {Comment.Status(old_status).label} to {label}{why}.",
        )
