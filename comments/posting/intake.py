"""
What a new comment meets on its way in: every rule, in order, and one verdict.

``review`` decides; the view only applies its verdict. The order:

1. Closed comments: refused (403).
2. Fields that do not validate: the form again, with its errors (400).
3. The form stamp (comments/posting/stamps.py): missing, expired, issued to another
   browser or for another text, or sent back under COMMENTS_MIN_SUBMIT_SECONDS
   after its reader started writing: a confirmation step, where the reader
   sees the comment as it will appear and posts it with a fresh stamp (that
   keeps when they started). Nothing else has been looked at yet, and nothing
   is stored: a person who types fast is asked to check, never filed as spam.
4. Flood control, before anything that depends on stored comments: one
   comment per IP address and per browser per COMMENTS_FLOOD_INTERVAL
   (moderators exempt): refused (429).
5. Signs of a bot (a filled honeypot, a forged or replayed stamp):
   stored as spam with the reason, and answered exactly as a held comment is.
6. The same text from the same browser on the same article: refused (409).
7. The rules staff set (ModerationSettings), in WordPress's order: a block
   word sends it to spam; then the spam filter that learns from the
   moderators (comments/spam_filter/__init__.py), once confident, sends a likely spam
   to spam and holds a doubtful one; links or a moderation word hold it, and
   so does repeating the text of a published comment; a trusted returning
   commenter is published at once; otherwise "hold every new comment" decides.

No answer depends on what another browser did: the duplicate check and trust
look only at this browser's own comments (its token, comments/trust.py), the
flood limits count this address and this browser, and nothing looks up
another person's email address. A held reason names the rule and the field,
never the word or address it matched, so it holds nothing to erase.
"""

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from time import time as clock

from django.conf import settings
from django.core.cache import caches
from django.template.defaultfilters import pluralize
from django.utils.crypto import salted_hmac

from blog.models import Article
from comments.models import Comment, ModerationSettings, word_list
from comments.posting.stamps import Stamp, read_stamp, spend_stamp
from comments.section.forms import CommentForm
from comments.spam_filter import judge_comment
from comments.trust import trust_key
from lib.client import network_of

CLOSED = "Comments are closed."
FLOOD = "You are posting comments too quickly. Please wait {wait}, then post it again."
DUPLICATE = "Duplicate comment detected; it looks as though you’ve already said that!"
CONFIRM = "Please check your comment as it will appear, then post it."
EXPIRED = "This form has expired; please check your comment and post it again."

USER_AGENT_LENGTH = Comment._meta.get_field("user_agent").max_length
HELD_FOR_MODERATION = "Every new comment is held for moderation."
REPEATS = "It repeats the text of a published comment on this article."

# A web address as spammers type them: with a scheme, or starting with www.
LINK = re.compile(r"(?:\bhttps?://|\bwww\.)\S", re.IGNORECASE)


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # store the comment with ``status``; ``reason`` says why it is held
    REFUSED = "refused"  # store nothing; tell the sender ``message``
    INVALID = "invalid"  # store nothing; show the form again with its errors
    CONFIRM = "confirm"  # store nothing; show the comment back with a fresh stamp


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    http_status: int = 200
    message: str = ""
    status: str = ""
    reason: str = ""
    retry_after: int = 0  # seconds, when the sender may try again (Retry-After)


@dataclass(frozen=True)
class Submission:
    """A comment as it arrives, with what is known of the browser that sent it."""

    article: Article
    form: CommentForm
    browser: str  # this browser's token (comments/trust.py)
    ip: str | None
    user_agent: str = ""
    moderator: bool = False  # moderators are exempt from flood limits

    @property
    def stamp(self) -> str:
        """The stamp the submission carried."""
        return self.form.returned_stamp

    @cached_property
    def comment(self) -> Comment:
        """The comment the form describes, not saved: what the rules read, and what is stored."""
        comment = self.form.save(commit=False)
        comment.ip_address = self.ip
        comment.user_agent = self.user_agent[:USER_AGENT_LENGTH]
        comment.trust_key = trust_key(self.browser)
        return comment

    def text(self) -> str:
        """What a confirmation stamp confirms: the comment as it will appear."""
        data = self.form.cleaned_data
        return "\n".join([data["author_name"], data.get("author_url") or "", data["body"]])


def refused(message: str, http_status: int, retry_after: int = 0) -> Verdict:
    return Verdict(Outcome.REFUSED, http_status, message=message, retry_after=retry_after)


def flood_sentence(seconds: int) -> str:
    """The flood refusal, saying how long to wait."""
    return FLOOD.format(wait=f"{seconds} second{pluralize(seconds)}")


def review(submission: Submission) -> Verdict:
    """The verdict on a new comment: what to store, or what to tell its sender."""
    article, form = submission.article, submission.form
    if not article.comments_are_open():
        return refused(CLOSED, 403)
    if not form.is_valid():
        return Verdict(Outcome.INVALID, 400)

    stamp, _ = read_stamp(submission.stamp, submission.browser, submission.text())
    if stamp is Stamp.EXPIRED:
        return Verdict(Outcome.CONFIRM, 400, message=EXPIRED)
    # Too quick for a person is told so by a step a person passes, never by spam.
    if stamp in {Stamp.MISSING, Stamp.OTHER_BROWSER, Stamp.OTHER_TEXT, Stamp.TOO_FAST}:
        return Verdict(Outcome.CONFIRM, message=CONFIRM)

    if not submission.moderator and (wait := flood_wait(submission.ip, submission.browser)):
        return refused(flood_sentence(wait), 429, retry_after=wait)

    if reason := bot_sign(submission, stamp):
        return Verdict(Outcome.ACCEPTED, status=Comment.Status.SPAM, reason=reason)

    comment = submission.comment
    own = Comment.objects.filter(article=article, trust_key=comment.trust_key)
    if own.filter(body=comment.body).exists():
        return refused(DUPLICATE, 409)

    status, reason = decide(comment, ModerationSettings.load())
    return Verdict(Outcome.ACCEPTED, status=status, reason=reason)


def bot_sign(submission: Submission, stamp: Stamp) -> str:
    """Why this submission looks automated, or "" if it does not. Spends a genuine stamp."""
    if submission.form.cleaned_data.get("subject"):
        return "The hidden honeypot field was filled in."
    if stamp is Stamp.FORGED:
        return "The form's stamp was forged."
    if not spend_stamp(submission.stamp):
        return "The form's stamp had already been used."
    return ""


def flood_wait(ip: str | None, browser: str) -> int:
    """
    Seconds before this IP address and this browser may comment again: 0 if
    neither commented within the flood interval.

    Every key is set, even when an earlier one already blocks. ``cache.add`` is
    atomic in Redis and in the database cache, so two requests racing each
    other cannot both get through. Each key holds the moment it lapses, so a
    refusal can say how long is left. The cache holds a keyed digest of the
    browser's token, never the token.
    """
    interval = settings.COMMENTS_FLOOD_INTERVAL
    if interval <= 0:
        return 0
    digest = salted_hmac("comments.flood", browser, algorithm="sha256").hexdigest()
    keys = [f"comments:flood:browser:{digest}"]
    if ip:
        keys.append(f"comments:flood:ip:{ip}")
    cache = caches[settings.COMMENTS_RATE_LIMIT_CACHE]
    now = clock()
    left = 0.0
    for key in keys:
        if not cache.add(key, now + interval, timeout=interval):
            lapses = cache.get(key)
            # A key set before it held its moment (or gone meanwhile): the whole interval.
            left = max(left, lapses - now if isinstance(lapses, float) else interval)
    return min(interval, math.ceil(left)) if left > 0 else 0


def decide(comment: Comment, rules: ModerationSettings) -> tuple[str, str]:
    """The status a new comment gets under the staff's rules, and why if it is held."""
    # Scored whatever decides: the score and its clues are kept on it for the desk.
    filtered = judge_comment(comment)
    if field := find_word(comment, word_list(rules.block_words)):
        return Comment.Status.SPAM, f"Its {field} contains a blocked word."
    if filtered:
        return filtered

    links = count_links(comment.body)
    if rules.link_limit and links >= rules.link_limit:
        return (
            Comment.Status.PENDING,
            f"It contains {links} links; comments with {rules.link_limit} or more are held.",
        )
    if field := find_word(comment, word_list(rules.moderation_words)):
        return Comment.Status.PENDING, f"Its {field} contains a moderated word."
    if Comment.objects.approved().filter(article=comment.article, body=comment.body).exists():
        return Comment.Status.PENDING, REPEATS

    if rules.trust_returning and is_trusted(comment):
        return Comment.Status.APPROVED, ""
    if rules.hold_all:
        return Comment.Status.PENDING, HELD_FOR_MODERATION
    return Comment.Status.APPROVED, ""


def count_links(text: str) -> int:
    """How many web addresses a plain-text comment carries."""
    return len(LINK.findall(text))


def find_word(comment: Comment, words: list[str]) -> str:
    """
    The first field a commenter controls that holds a listed word, or "".

    A plain, case-insensitive search for the text: no pattern syntax, so "c++"
    or "1.2.3." mean exactly those characters. An entry that is an IP address
    or a CIDR network matches the IP address whole, as ``lib.client.network_of`` reads it.
    """
    if not words:
        return ""
    fields = {
        "name": comment.author_name,
        "email": comment.author_email,
        "website": comment.author_url,
        "text": comment.body,
        "IP address": comment.ip_address or "",
        "browser": comment.user_agent,
    }
    folded_words = [word.casefold() for word in words]
    # An entry that is an IP address or network matches the comment's address
    # whole (203.0.113.1 is not 203.0.113.10; 203.0.113.0/24 is the block).
    networks = {word: network for word in folded_words if (network := network_of(word))}
    for field, value in fields.items():
        folded = value.casefold()
        if field == "IP address" and (address := network_of(value)):
            if any(
                address.subnet_of(net)
                for net in networks.values()
                if net.version == address.version
            ):
                return field
            if any(word in folded for word in folded_words if word not in networks):
                return field
        elif any(word in folded for word in folded_words):
            return field
    return ""


def is_trusted(comment: Comment) -> bool:
    """
    Whether this browser already has an approved comment under this name and email.

    Trust is granted to a browser for one name and email together: the token
    comes from a signed cookie only that browser holds (comments/trust.py), so
    knowing someone's name and email is not enough, and a trusted browser
    posting under another name is held.
    """
    return (
        Comment.objects.approved()
        .by_email(comment.author_email)
        .filter(trust_key=comment.trust_key, author_name=comment.author_name)
        .exists()
    )
