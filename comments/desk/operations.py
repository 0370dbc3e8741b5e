"""
What the moderation desk does beyond the admin's own machinery.

- A reply written at the desk is published at once as the site's, approving
  the comment it answers in the same step (``publish_site_reply``).
- Each decision can be undone from the session that made it (``remember_decision``
  and ``undo_decision``): the comments go back to the statuses in
  ``StatusChange.previous``, through ``change_status``, so undoing a removal
  also brings back the replies that left with it.
- A commenter is found by email with a POST, and the address never reaches a
  URL or a log line: the ids of their comments wait in the session under a
  random token, which is all the URL carries (``remember_commenter``).
- From a row, every comment by the same commenter (``same_commenter``: the
  URL names the row's comment; the email's keyed hash does the finding) or
  from an IP address or network (``from_addresses``); and "Block", which puts
  the row's IP address or email on the block list in one step (``block``).

Every status change here goes through ``comments.moderation.change_status``,
and every sentence comes from comments/desk/sentences.py.
"""

import ipaddress
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from comments import moderation
from comments.desk import sentences
from comments.models import Comment, ModerationSettings
from lib.client import network_of
from lib.refusal import Refusal

Status = Comment.Status


# Replies ---------------------------------------------------------------------


@dataclass
class PublishedReply:
    reply: Comment
    approval: moderation.StatusChange | None  # the comment replied to, if it had to be approved


def publish_site_reply(
    comment: Comment, body: str, *, by: AbstractBaseUser, seen: str = "", text: str = ""
) -> PublishedReply:
    """
    Publish ``body`` as the site's reply to ``comment``, approving it first if pending.

    Readers see the site's name with an "Author" badge, never the staff
    member, whose name the history keeps. A comment that is spam or removed
    is not answered (readers cannot see it), nor one whose text is no longer
    ``text`` (its digest; its author edited it) or whose status is no longer
    ``seen``, as ``moderation.still_as_seen`` decides for every decision:
    these raise ``Refusal`` and nothing is stored.
    """
    with transaction.atomic():
        texts = {comment.pk: text} if text else {}
        _, stale, edited = moderation.still_as_seen([comment], seen or None, texts)
        if edited:
            raise Refusal(sentences.NOT_PUBLISHED_EDITED, 409)
        if stale:
            raise Refusal(sentences.stale(comment), 409)
        approval = None
        if comment.status == Status.PENDING:
            approval = moderation.change_status(comment, Status.APPROVED, by=by)
            if approval.refused:
                raise Refusal(sentences.reply_waits_for_parent(comment), 409)
        elif comment.status != Status.APPROVED:
            raise Refusal(sentences.not_visible(comment), 409)
        reply = Comment.objects.create(
            article=comment.article,
            parent=comment.reply_target(),
            author_name=settings.SITE_NAME[: Comment._meta.get_field("author_name").max_length],
            author_email="",
            body=body,
            status=Status.APPROVED,
            by_site=True,
            written_by=by,
        )
        who = by.get_username()
        LogEntry.objects.log_actions(
            by.pk, [reply], ADDITION, f"Written for the site by {who}, in reply to #{comment.pk}."
        )
        LogEntry.objects.log_actions(
            by.pk, [comment], CHANGE, f"Answered for the site by {who} (reply #{reply.pk})."
        )
    return PublishedReply(reply, approval)


# Undo ----------------------------------------------------------------------------

UNDO_KEY = "comments_desk_undo"
UNDO_KEPT = 50  # decisions per session that can still be undone


def remember_decision(session: SessionBase, result: moderation.StatusChange) -> str | None:
    """Keep what an undo of this decision needs; return its token, or None if nothing changed."""
    if not result.previous:
        return None
    after = {comment.pk: result.status for comment in result.changed}
    after |= {c.pk: moderation.follower_status(result.status) for c in result.followed}
    records = session.get(UNDO_KEY, {})
    token = secrets.token_urlsafe(12)
    records[token] = {
        "comments": {str(pk): [before, after[pk]] for pk, before in result.previous.items()},
        "undone": False,
    }
    session[UNDO_KEY] = dict(list(records.items())[-UNDO_KEPT:])
    return token


@dataclass
class Undone:
    restored: list[Comment]
    stale: list[Comment]  # changed again since the decision: left as they are
    results: list[moderation.StatusChange]


def undo_decision(session: SessionBase, token: str, *, by: AbstractBaseUser) -> Undone:
    """
    Put the comments of a remembered decision back in the statuses they had.

    A comment changed again since (by anyone) keeps its new status. A decision
    is undone once: a second try raises ``Refusal``, as does a token this
    session never made.
    """
    records = session.get(UNDO_KEY, {})
    record = records.get(token)
    if record is None:
        raise Refusal(sentences.NO_DECISION_TO_UNDO, 404)
    if record["undone"]:
        raise Refusal(sentences.ALREADY_UNDONE, 409)
    record["undone"] = True
    session[UNDO_KEY] = records

    wanted = {int(pk): tuple(statuses) for pk, statuses in record["comments"].items()}
    comments = {
        c.pk: c for c in Comment.objects.select_related("article", "parent").filter(pk__in=wanted)
    }
    undone = Undone([], [], [])
    # Approvals first, each batch in one call: a reply is approved with its parent.
    targets = sorted({before for before, _ in wanted.values()}, key=lambda s: s != Status.APPROVED)
    for target in targets:
        group = [c for pk, c in comments.items() if wanted[pk][0] == target]
        seen = {pk: wanted[pk][1] for pk in wanted if wanted[pk][0] == target}
        result = moderation.change_status(group, target, by=by, seen=seen, undoing=True)
        undone.results.append(result)
        undone.restored += result.changed
        undone.stale += result.stale + result.refused
    return undone


# Finding a commenter by email ---------------------------------------------------

COMMENTER_KEY = "comments_desk_commenters"
COMMENTER_SECONDS = 60 * 60  # how long a search's link keeps working
COMMENTERS_KEPT = 10


def remember_commenter(session: SessionBase, email: str) -> tuple[str, int]:
    """
    Find the comments left with this address; keep their ids under a new token.

    Returns the token, for the queue's ``commenter`` filter, and how many
    comments were found (no token when none). Neither the address nor its
    hash is kept: the token is random, and forgotten after an hour.
    """
    ids = list(Comment.objects.by_email(email).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return "", 0
    token = secrets.token_urlsafe(9)
    now = time.time()
    searches = {
        key: search
        for key, search in session.get(COMMENTER_KEY, {}).items()
        if now - search["at"] < COMMENTER_SECONDS
    }
    searches[token] = {"ids": ids, "at": now}
    session[COMMENTER_KEY] = dict(list(searches.items())[-COMMENTERS_KEPT:])
    return token, len(ids)


def commenter_ids(session: SessionBase, token: str) -> list[int] | None:
    """The ids a search found, or None if this session has no such search any more."""
    search = session.get(COMMENTER_KEY, {}).get(token)
    if search is None or time.time() - search["at"] >= COMMENTER_SECONDS:
        return None
    return search["ids"]


# Everything from one commenter, or one address ----------------------------------


def same_commenter(queryset, comment_id: int | None):
    """
    The comments left with the same email as comment ``comment_id`` (itself alone if it has none).

    The URL carries the id of a comment, never an address or its hash: the
    keyed hash stored beside each comment (comments/encryption.py) finds the rest.
    """
    found = Comment.objects.filter(pk=comment_id).values_list("author_email_hash", flat=True)
    digest = found.first() if comment_id else None
    if digest:
        return queryset.filter(author_email_hash=digest)
    return queryset.filter(pk=comment_id) if comment_id else queryset.none()


def from_addresses(queryset, term: str):
    """
    The comments sent from the address or network ``term``; None if it is neither.

    Whole addresses only: 127.0.0.1 does not find 127.0.0.10. The addresses
    the site holds are compared in Python, so that the same code serves
    SQLite and PostgreSQL.
    """
    if (network := network_of(term)) is None:
        return None
    if network.num_addresses == 1:
        return queryset.filter(ip_address=str(network.network_address))
    seen = Comment.objects.exclude(ip_address=None).order_by().values_list("ip_address", flat=True)
    inside = [ip for ip in set(seen) if ipaddress.ip_address(ip) in network]
    return queryset.filter(ip_address__in=inside)


# The block list, from a row ---------------------------------------------------------

BLOCKABLE = {"ip": "ip_address", "email": "author_email"}


def block(comment: Comment, what: str, *, by: AbstractBaseUser) -> bool:
    """
    Put the comment's IP address or email on the block list; False if it was there already.

    The block list (ModerationSettings.block_words) sends a new comment that
    contains an entry to spam; its sender is told what everyone is told.
    Raises ``Refusal`` when the comment has no such thing to block.
    """
    entry = getattr(comment, BLOCKABLE[what]) or ""
    if not entry:
        raise Refusal(sentences.nothing_to_block(what), 409)
    with transaction.atomic():
        if not ModerationSettings.add_blocked(entry):
            return False
        # The history names the comment, never the address or email itself.
        LogEntry.objects.log_actions(
            by.pk, [ModerationSettings.load()], CHANGE, sentences.blocked_in_history(comment, what)
        )
    return True
