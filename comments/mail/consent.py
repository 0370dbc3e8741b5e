"""
Who may be emailed about what: the consent rules, and the signed links that carry them.

An address is written to only once its owner agreed (double opt-in): until
then it may receive one confirmation email, and nothing else. Consent is
given from a browser, and for the wishes that email lists: typing a confirmed
address elsewhere borrows none of it. A wish typed from another browser waits
for its owner's yes (a confirmation email, within the same limits), and "your
comment is published" goes only for comments posted from a browser its owner
confirmed the address from (``ConfirmedBrowser``), so nobody can have the
site mail a stranger their words. Each email carries signed links, made here,
that need nothing but themselves:

- a confirmation link, valid ``COMMENTS_CONFIRM_LINK_DAYS`` and once: it holds
  the mailbox's current nonce, which confirming (or a newer request) replaces;
- unsubscribe links, valid ``COMMENTS_UNSUBSCRIBE_LINK_DAYS``: each names the
  mailbox and what it stops (some articles' discussions, or everything), and
  can do nothing else.

Every link also holds the mailbox's random ``link_key``, so a link never
points at another row that later takes the same id. No link holds an address
or a hash of one. comments/mail/subscriptions.py acts on them, comments/mail/delivery.py
puts them in emails.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.urls import reverse

from blog.models import full_url
from comments.encryption import canonical_email
from comments.models import Comment, Mailbox, Notice, Subscription

CONFIRM_SALT = "comments.email.confirm"
UNSUBSCRIBE_SALT = "comments.email.unsubscribe"
EVERYTHING = "all"
# The scope of a link that stops the emails about new articles, and nothing else.
NEW_ARTICLES = "blog"


def confirm_link_days() -> int:
    """How long a confirmation link works (COMMENTS_CONFIRM_LINK_DAYS): a week."""
    return getattr(settings, "COMMENTS_CONFIRM_LINK_DAYS", 7)


def unsubscribe_link_days() -> int:
    """How long an unsubscribe link works (COMMENTS_UNSUBSCRIBE_LINK_DAYS): a year."""
    return getattr(settings, "COMMENTS_UNSUBSCRIBE_LINK_DAYS", 365)


class LinkExpired(Exception):
    """A genuine link, past its date."""


class LinkInvalid(Exception):
    """A link the site never made."""


class MailboxGone(Exception):
    """A genuine link for an address the site forgot (stopped and erased)."""


@dataclass(frozen=True)
class Unsubscribe:
    """What an unsubscribe link stops: ``articles`` (their discussions), new articles, or all."""

    mailbox: Mailbox
    articles: tuple[int, ...] = ()
    new_articles: bool = False

    @property
    def everything(self) -> bool:
        return not self.articles and not self.new_articles


def confirmation_url(mailbox: Mailbox) -> str:
    """The link that confirms this mailbox: the current request's, once."""
    token = signing.dumps(
        [mailbox.pk, mailbox.link_key, mailbox.confirmation_nonce], salt=CONFIRM_SALT
    )
    return full_url(reverse("comments:confirm-email", args=[token]))


def unsubscribe_url(mailbox: Mailbox, articles=(), *, new_articles: bool = False) -> str:
    """The link that stops emails about these articles' discussions, new articles, or all."""
    scope = NEW_ARTICLES if new_articles else (sorted(set(articles)) or EVERYTHING)
    token = signing.dumps([mailbox.pk, mailbox.link_key, scope], salt=UNSUBSCRIBE_SALT)
    return full_url(reverse("comments:unsubscribe", args=[token]))


def _read(token: str, salt: str, days: int) -> tuple[Mailbox, object]:
    try:
        pk, key, extra = signing.loads(token, salt=salt, max_age=timedelta(days=days))
    except signing.SignatureExpired:
        raise LinkExpired from None
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid from None
    mailbox = Mailbox.objects.filter(pk=pk, link_key=key).first()
    if mailbox is None:
        raise MailboxGone
    return mailbox, extra


def read_confirmation(token: str) -> tuple[Mailbox, str]:
    """The mailbox a confirmation link names, and the nonce it was made with."""
    mailbox, nonce = _read(token, CONFIRM_SALT, confirm_link_days())
    if not isinstance(nonce, str):
        raise LinkInvalid
    return mailbox, nonce


def read_unsubscribe(token: str) -> Unsubscribe:
    """What an unsubscribe link stops."""
    mailbox, scope = _read(token, UNSUBSCRIBE_SALT, unsubscribe_link_days())
    if scope == EVERYTHING:
        return Unsubscribe(mailbox)
    if scope == NEW_ARTICLES:
        return Unsubscribe(mailbox, new_articles=True)
    if not isinstance(scope, list) or not scope or not all(isinstance(a, int) for a in scope):
        raise LinkInvalid
    return Unsubscribe(mailbox, tuple(scope))


def is_own(mailbox: Mailbox, comment: Comment) -> bool:
    """Whether this comment was left with exactly this mailbox's address."""
    return canonical_email(comment.author_email) == canonical_email(mailbox.email)


def confirmed_from(mailbox: Mailbox, browser: str) -> bool:
    """
    Whether the owner confirmed this address from the browser with this key.

    One query whatever the answer or the address's state: what a poster's
    request does never depends on someone else's address.
    """
    return mailbox.browsers.filter(trust_key=browser, mailbox__confirmed_at__isnull=False).exists()


def browser_keys(mailbox: Mailbox) -> set[str]:
    """The keys of the browsers the owner confirmed this address from."""
    if not mailbox.is_confirmed():
        return set()
    return set(mailbox.browsers.values_list("trust_key", flat=True))


def still_wanted(notice: Notice) -> bool:
    """
    Whether this comment should still be announced to this recipient, as it is sent.

    Only what is public is announced, and only while the wish that called for
    it stands: a comment unapproved since, or a thread muted since, is dropped.
    """
    comment, mailbox = notice.comment, notice.delivery.mailbox
    if not comment.is_approved() or not mailbox.is_confirmed():
        return False
    match notice.reason:
        case Notice.Reason.PUBLISHED:
            return bool(comment.trust_key) and comment.trust_key in browser_keys(mailbox)
        case Notice.Reason.REPLY:
            wishes = mailbox.subscriptions.in_force().filter(
                kind=Subscription.Kind.REPLIES, comment=comment.parent_id
            )
        case _:
            wishes = mailbox.subscriptions.in_force().filter(
                kind=Subscription.Kind.ARTICLE, article=comment.article_id
            )
    return wishes.exists()


def pending_approvals(mailbox: Mailbox):
    """This mailbox's own comments whose author asked to be told of their approval."""
    asked = Comment.objects.by_email(mailbox.email).filter(notify_on_approval=True)
    return [comment for comment in asked.select_related("article") if is_own(mailbox, comment)]


def approvals_in_force(mailbox: Mailbox) -> list[Comment]:
    """Those of them posted from a browser the owner confirmed the address from."""
    keys = browser_keys(mailbox)
    return [comment for comment in pending_approvals(mailbox) if comment.trust_key in keys]


def waiting_wishes(mailbox: Mailbox, browser: str = ""):
    """
    The wishes a confirmation link of this mailbox says yes to: those typed
    before its email was asked for, and those typed from ``browser``, the one
    pressing its button. A wish typed by someone else after the email went is
    not among them.
    """
    said_yes_to = Q(pk__in=[])
    if mailbox.confirmation_sent_at is not None:
        said_yes_to |= Q(created_at__lte=mailbox.confirmation_sent_at)
    if browser:
        said_yes_to |= Q(browser=browser)
    return mailbox.subscriptions.waiting().filter(said_yes_to)


def wishes(mailbox: Mailbox, *, browser: str | None = None, in_force: bool = False) -> list[str]:
    """
    What this mailbox asked to be emailed about, in words, for its owner to check.

    ``in_force``: what it gets now. Otherwise what a confirmation would add: of
    approvals, in an email (``browser`` None) every one asked for from a browser
    not confirmed yet, on the page every one asked for from the browser showing it.
    """
    if in_force:
        approvals = approvals_in_force(mailbox)
        subscriptions = mailbox.subscriptions.in_force()
    else:
        keys = browser_keys(mailbox)
        approvals = [
            comment
            for comment in pending_approvals(mailbox)
            if comment.trust_key not in keys and browser in (None, comment.trust_key)
        ]
        subscriptions = waiting_wishes(mailbox, browser or "")
    said = [f"when your comment on “{comment.article.title}” is published" for comment in approvals]
    for subscription in subscriptions.select_related("article").order_by("created_at", "pk"):
        if subscription.kind == Subscription.Kind.BLOG:
            said.append(f"each new article on {settings.SITE_NAME}")
            continue
        title = subscription.article.title
        if subscription.kind == Subscription.Kind.REPLIES:
            said.append(f"replies to your comment on “{title}”")
        else:
            said.append(f"new comments on “{title}”")
    return list(dict.fromkeys(said))


def approvals_elsewhere(mailbox: Mailbox, browser: str) -> bool:
    """Whether some comment of theirs waiting to be announced was posted from another browser."""
    keys = browser_keys(mailbox) | {browser}
    return any(comment.trust_key not in keys for comment in pending_approvals(mailbox))
