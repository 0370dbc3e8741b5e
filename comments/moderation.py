"""
What happens to a comment when it arrives: the rules staff set in the admin.

The order follows WordPress's: the block list sends a comment to spam; too many
links or a moderated word hold it whatever else holds; a trusted returning
commenter is published at once; otherwise "hold every new comment" decides.
"""

import re

from comments.models import Comment, ModerationSettings, word_list

REASON_LENGTH = Comment._meta.get_field("held_reason").max_length
HELD_FOR_MODERATION = "Every new comment is held for moderation."

# A web address as spammers type them: with a scheme, or starting with www.
LINK = re.compile(r"(?:\bhttps?://|\bwww\.)\S", re.IGNORECASE)


def moderate(comment: Comment) -> None:
    """Decide a new comment's status, and say why when it is not published."""
    rules = ModerationSettings.load()
    comment.status, reason = decide(comment, rules)
    comment.held_reason = reason[:REASON_LENGTH]
    if comment.is_approved():
        # Published at once: there is no approval to be told of.
        comment.notify_on_approval = False


def decide(comment: Comment, rules: ModerationSettings) -> tuple[str, str]:
    """The status a new comment gets under these rules, and the reason if it is held."""
    if found := find_word(comment, word_list(rules.block_words)):
        word, field = found
        return Comment.Status.SPAM, f"Its {field} contains the blocked word “{word}”."

    links = count_links(comment.body)
    if rules.link_limit and links >= rules.link_limit:
        return (
            Comment.Status.PENDING,
            f"It contains {links} links; comments with {rules.link_limit} or more are held.",
        )

    if found := find_word(comment, word_list(rules.moderation_words)):
        word, field = found
        return Comment.Status.PENDING, f"Its {field} contains the moderated word “{word}”."

    if rules.trust_returning and is_trusted(comment):
        return Comment.Status.APPROVED, ""
    if rules.hold_all:
        return Comment.Status.PENDING, HELD_FOR_MODERATION
    return Comment.Status.APPROVED, ""


def count_links(text: str) -> int:
    """How many web addresses a plain-text comment carries."""
    return len(LINK.findall(text))


def find_word(comment: Comment, words: list[str]) -> tuple[str, str] | None:
    """
    The first listed word found in any field a commenter controls, and that field's name.

    A plain, case-insensitive search for the text: no pattern syntax, so "c++"
    or "1.2.3." mean exactly those characters.
    """
    if not words:
        return None
    fields = {
        "name": comment.author_name,
        "email": comment.author_email,
        "website": comment.author_url,
        "text": comment.body,
        "IP address": comment.ip_address or "",
        "browser": comment.user_agent,
    }
    for field, value in fields.items():
        folded = value.casefold()
        for word in words:
            if word.casefold() in folded:
                return word, field
    return None


def is_trusted(comment: Comment) -> bool:
    """
    Whether this comment's browser and email already have an approved comment.

    ``trust_key`` comes from the signed cookie only that browser holds; see
    comments/trust.py.
    """
    if not comment.trust_key:
        return False
    return (
        Comment.objects.approved()
        .by_email(comment.author_email)
        .filter(trust_key=comment.trust_key)
        .exists()
    )
