"""
Every sentence the desk tells a moderator, in one place.

What a decision did, why a request changed nothing, what an undo restored:
the desk's views, its admin and what they do (comments/desk/) say nothing in
their own words, so each sentence is written, read and corrected here. Each
counts in the singular or the plural (``ngettext``); a refusal always ends by
saying that nothing was changed (or published).
"""

from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.utils.translation import ngettext

from comments.models import Comment

Status = Comment.Status

# How a status reads after "this comment is now …".
STATUS_WORDS = {
    Status.PENDING: "pending",
    Status.APPROVED: "approved",
    Status.SPAM: "marked as spam",
    Status.REMOVED: "removed",
}

# Refusals ---------------------------------------------------------------------

NOT_A_MODERATOR = (
    "You may not moderate comments; ask an administrator to add you to the "
    "Moderators group. Nothing was changed."
)
NOT_BY_A_LINK = (
    "Comments are only changed with the desk's buttons, never by opening a link. "
    "Nothing was changed."
)
EDITED_SINCE = (
    "the text of this comment was changed after your page was loaded (by its author, or "
    "another moderator). Read it again, then decide."
)
NOT_CHANGED_EDITED = "Nothing was changed: " + EDITED_SINCE
NOT_PUBLISHED_EDITED = "Nothing was published: " + EDITED_SINCE
NO_DECISION_TO_UNDO = (
    "There is no decision to undo here: it was made in another session, or too long "
    "ago. Nothing was changed."
)
ALREADY_UNDONE = "This decision has already been undone; nothing was changed."
SEARCH_EXPIRED = "That search by email has expired (they last an hour): find the commenter again."
SENT_BACK = (
    "This comment was published, and you may not moderate: it is back in the queue until a "
    "moderator reads your change and approves it again."
)


def no_such_comment(object_id: str) -> str:
    return (
        f"There is no comment with the id “{object_id}”: it may have been deleted. "
        "Nothing was changed."
    )


def not_a_status(value: str) -> str:
    return f"“{value}” is not a status a comment can have."


def already(status: str) -> str:
    """A click on a decision the comment already has."""
    return f"This comment is already {STATUS_WORDS[status]}; nothing was changed."


def parent_first(comment: Comment) -> str:
    """Why a reply is not approved: the comment it answers is not (moderation.waits_for_parent)."""
    return (
        "This reply cannot be approved while the comment it answers "
        f"(by {comment.parent.author_name}) is not approved; approve that one first."
    )


def approval_waits_for_parent(comment: Comment) -> str:
    """A click on Approve for a reply whose parent is not approved."""
    return parent_first(comment) + " Nothing was changed."


def reply_waits_for_parent(comment: Comment) -> str:
    """Why a reply to a pending reply is not published: approving it would break the rule."""
    return "Nothing was published: " + parent_first(comment) + " Then reply to this one."


def stale(comment: Comment) -> str:
    """What to tell a moderator whose page showed this comment in another status."""
    entry = (
        LogEntry.objects.filter(
            content_type__app_label="comments",
            content_type__model="comment",
            object_id=str(comment.pk),
        )
        .select_related("user")
        .order_by("-action_time", "-pk")
        .first()
    )
    who = f" by {entry.user.get_username()}" if entry else ""
    return (
        f"Nothing was changed: this comment by {comment.author_name} is now "
        f"{STATUS_WORDS[comment.status]} (changed{who} after your page was loaded)."
    )


def not_visible(comment: Comment) -> str:
    """Why a comment readers cannot see is not answered."""
    return (
        f"Nothing was published: this comment is {STATUS_WORDS[comment.status]}, so "
        "readers cannot see it and a reply would answer nothing. Approve it first if "
        "it deserves an answer."
    )


# What was done -----------------------------------------------------------------


def reply_published(comment: Comment, reply: Comment) -> str:
    return f"Your reply to {comment.author_name} is published on “{reply.article.title}”."


def commenter_found(count: int) -> str:
    return ngettext(
        "%(count)d comment was left with that address.",
        "%(count)d comments were left with that address.",
        count,
    ) % {"count": count}


def outcome(result, vanished: int = 0) -> list[tuple[int, str]]:
    """
    What a status change (``moderation.StatusChange``) did: one sentence per
    outcome, each with its message level.

    ``vanished`` counts comments ticked that had left the queue shown before
    the action ran (the admin hands over only those still in it).
    """
    sentences = []
    if count := len(result.changed):
        sentences.append((messages.SUCCESS, DONE[result.status](count) % {"count": count}))
    if count := len(result.followed):
        message = (
            ngettext(
                "%(count)d approved reply was moved back to pending along with the comment "
                "it answers.",
                "%(count)d approved replies were moved back to pending along with the "
                "comments they answer.",
                count,
            )
            if result.status == Status.PENDING
            else ngettext(
                "%(count)d approved reply was removed along with the comment it answers.",
                "%(count)d approved replies were removed along with the comments they answer.",
                count,
            )
        )
        sentences.append((messages.WARNING, message % {"count": count}))
    if count := len(result.unchanged):
        label = Status(result.status).label.lower()
        message = ngettext(
            "%(count)d comment was already %(status)s; it was left as it was.",
            "%(count)d comments were already %(status)s; they were left as they were.",
            count,
        )
        sentences.append((messages.WARNING, message % {"count": count, "status": label}))
    if count := len(result.stale) + vanished:
        message = ngettext(
            "%(count)d selected comment had been changed since the page was loaded, by another "
            "moderator; it was left as it is now.",
            "%(count)d selected comments had been changed since the page was loaded, by another "
            "moderator; they were left as they are now.",
            count,
        )
        sentences.append((messages.WARNING, message % {"count": count}))
    if count := len(result.refused):
        message = ngettext(
            "%(count)d reply was not approved, because the comment it answers is not "
            "approved: approve that comment first.",
            "%(count)d replies were not approved, because the comments they answer are not "
            "approved: approve those comments first.",
            count,
        )
        sentences.append((messages.ERROR, message % {"count": count}))
    return sentences


def edited(count: int) -> str:
    """What to tell a moderator whose bulk action skipped comments edited since the page loaded."""
    return ngettext(
        "The text of %(count)d selected comment was changed after the page was loaded (by its "
        "author, or another moderator); it was left as it is. Read it again, then decide.",
        "The texts of %(count)d selected comments were changed after the page was loaded (by "
        "their authors, or another moderator); they were left as they are. Read them again, "
        "then decide.",
        count,
    ) % {"count": count}


DONE = {
    Status.APPROVED: lambda n: ngettext(
        "%(count)d comment approved.", "%(count)d comments approved.", n
    ),
    Status.SPAM: lambda n: ngettext(
        "%(count)d comment marked as spam.", "%(count)d comments marked as spam.", n
    ),
    Status.REMOVED: lambda n: ngettext(
        "%(count)d comment removed.", "%(count)d comments removed.", n
    ),
    Status.PENDING: lambda n: ngettext(
        "%(count)d comment moved back to pending.", "%(count)d comments moved back to pending.", n
    ),
}


def undone(restored: int, left: int) -> list[tuple[int, str]]:
    """What an undo did: how many comments are back, how many had changed again since."""
    sentences = []
    if restored:
        sentences.append(
            (
                messages.SUCCESS,
                ngettext(
                    "Undone: %(count)d comment is back as it was.",
                    "Undone: %(count)d comments are back as they were.",
                    restored,
                )
                % {"count": restored},
            )
        )
    if left:
        sentences.append(
            (
                messages.WARNING,
                ngettext(
                    "%(count)d comment was changed again after this decision, so it was left as "
                    "it is now.",
                    "%(count)d comments were changed again after this decision, so they were "
                    "left as they are now.",
                    left,
                )
                % {"count": left},
            )
        )
    return sentences


# The queue's filter of a commenter found by email --------------------------------


def commenter_search(count: int) -> str:
    return ngettext(
        "The address searched for (%(count)d comment)",
        "The address searched for (%(count)d comments)",
        count,
    ) % {"count": count}


SEARCH_EXPIRED_LABEL = "The search has expired: find them again"


# Blocking from a row ------------------------------------------------------------

BLOCKED_WHAT = {"ip": "IP address", "email": "email address"}


def not_blockable(what: str) -> str:
    return (
        f"“{what}” cannot be blocked: Block takes an IP address or an email. Nothing was changed."
    )


def nothing_to_block(what: str) -> str:
    return f"This comment has no {BLOCKED_WHAT[what]} to block. Nothing was changed."


def blocked(comment: Comment, what: str, added: bool) -> str:
    """What Block did; the email itself is not repeated (messages may be logged)."""
    thing = comment.ip_address if what == "ip" else f"The email address of {comment.author_name}"
    if not added:
        return f"{thing} was on the block list already; nothing was changed."
    return f"{thing} is now on the block list: new comments with it go to spam."


def blocked_in_history(comment: Comment, what: str) -> str:
    return f"Added the {BLOCKED_WHAT[what]} of comment #{comment.pk} to the block list."


NO_SUCH_COMMENTER = "No such comment: it may have been deleted"


def same_commenter(comment: Comment) -> str:
    """The queue's filter of every comment by one commenter."""
    if not comment.author_email:
        return f"This comment by {comment.author_name} (it has no email)"
    return f"Every comment with the email of {comment.author_name}"
