"""
Webmentions received: accepted at once if they can be ours (202), verified later by the worker.

``accept`` is every rule the endpoint applies before answering, in the order
of the W3C Recommendation (https://www.w3.org/TR/webmention/#request-verification):
both addresses http(s), different, the target a published article of this
site, the source not on a private address. A refusal is a ``Refusal`` (400
with a sentence); an accepted mention is a ``Received`` row, written with the
task that verifies it, so nothing is lost if the process dies.

``verify`` (a django.tasks task, run by the email worker) fetches the source
through ``lib.outbound`` (public addresses only, every redirect checked,
size- and time-bounded) and decides, as things stand then:

- the source links to the article: its h-entry (or its title) becomes a held
  "Mentioned elsewhere" item, or updates the one it made before (a published
  one goes back to the queue: no words reach readers unread);
- the source is gone (404, 410) or no longer links: the mention it made is
  withdrawn (deleted), unless a moderator marked it spam or removed it;
- the source could not be read for a while (5xx, unreachable): tried again
  later; refused (too large, private address, not a page): nothing changes.

Either way the ``Received`` row is deleted: a refused mention leaves nothing.
"""

import logging
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.urls import Resolver404, resolve
from django.utils import timezone

from blog.models import Article
from comments.models import Comment
from comments.moderation import became_held
from lib import outbound
from lib.refusal import Refusal
from lib.text import split_url
from mentions import conf, queue, source
from mentions.models import URL_LENGTH, Mention, Received

logger = logging.getLogger(__name__)

ARTICLE_PAGES = {"blog:article", "blog:article-comment-page"}
# The statuses a moderator decided against: a source's updates never bring those back.
DECIDED_AGAINST = {Comment.Status.SPAM, Comment.Status.REMOVED}


def web_address(value: str) -> SplitResult | None:
    """A stranger's address, read if it is a plain http(s) URL with a host; None otherwise."""
    parts = split_url(value) if value and len(value) <= URL_LENGTH else None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    try:
        parts.port  # noqa: B018 (raises on a port that is not one)
    except ValueError:
        return None
    return None if parts.username or parts.password else parts


def accept(source_url: str, target_url: str) -> Received:
    """Check a Webmention as the endpoint must before answering; queue its verification."""
    source_parts, target_parts = web_address(source_url), web_address(target_url)
    for name, parts in (("source", source_parts), ("target", target_parts)):
        if parts is None:
            raise Refusal(f"The {name} must be an http or https address.", 400)
    if source.same_page(source_url, target_url):
        raise Refusal("The source and the target are the same page.", 400)
    article = article_at(target_parts)
    if article is None:
        raise Refusal("The target is not a published article of this site.", 400)
    if not settings.OUTBOUND_ALLOW_PRIVATE:
        default_port = 443 if source_parts.scheme == "https" else 80
        try:
            outbound.resolve(source_parts.hostname, source_parts.port or default_port)
        except outbound.Refused as refused:
            raise Refusal(f"The source cannot be fetched: {refused.sentence}", 400) from None
    with transaction.atomic():
        received, _ = Received.objects.update_or_create(
            source=source_url,
            article=article,
            defaults={
                "target": target_url,
                "status": Received.Status.QUEUED,
                "due_at": timezone.now(),
                "attempts": 0,
                "claimed_at": None,
                "last_error": "",
            },
        )
        OUTBOX.send_later([received.pk])
    return received


def article_at(address: SplitResult) -> Article | None:
    """The published article an address of this site shows, or None (a draft is None too)."""
    ours = urlsplit(settings.SITE_URL)
    if (address.scheme, address.netloc.lower()) != (ours.scheme, ours.netloc.lower()):
        return None
    base, path = ours.path.rstrip("/"), address.path
    if base and path.startswith(base):
        path = path[len(base) :]
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name not in ARTICLE_PAGES:
        return None
    return Article.objects.published().filter(slug=match.kwargs.get("slug")).first()


@task
def verify(received_id: int) -> str:
    """Fetch a mention's source and decide what it becomes; see the module's docstring."""
    received = OUTBOX.claim(received_id)
    if received is None:
        return "nothing to do"
    try:
        page = outbound.fetch(
            received.source,
            headers={"Accept": "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.5"},
            max_bytes=conf.max_bytes(),
            timeout=conf.timeout(),
        )
    except outbound.Refused as refused:
        if queue.is_temporary(refused):
            return given_up_or_later(received, refused.sentence)
        return done(received, f"refused: {refused.sentence}")
    if page.status >= 500 or page.status == 429:
        return given_up_or_later(received, f"The source answered {page.status}.")
    if page.status in {404, 410}:
        return done(received, withdraw(received), f"the source answered {page.status}")
    article = Article.objects.published().filter(pk=received.article_id).first()
    if article is None:
        return done(received, "the article is not published any more")
    if page.status != 200:
        return done(received, f"the source answered {page.status}; nothing changes")
    text = page.text()
    if not source.links_to(text, page.url, received.target, page.content_type):
        return done(received, withdraw(received), "the source does not link to the target")
    entry = source.read_entry(text, page.url, page.content_type)
    return done(received, keep(received, article, entry))


OUTBOX = queue.outbox(Received, verify, "Webmention verification")


def given_up_or_later(received: Received, why: str) -> str:
    """A source that failed for a while: tried again later, or dropped after the last attempt."""
    outcome = OUTBOX.try_again(received, why)
    if outcome == "failed":
        received.delete()
    return outcome


def done(received: Received, *outcome: str) -> str:
    """The verification is over: its row goes, and the outcome goes to the log."""
    if OUTBOX.finish(received, Received.Status.SENT):
        Received.objects.filter(pk=received.pk, status=Received.Status.SENT).delete()
    why = "; ".join(outcome)
    logger.info("Webmention %d from %s: %s.", received.pk, urlsplit(received.source).netloc, why)
    return why


def withdraw(received: Received) -> str:
    """The source no longer mentions the article: the mention it made goes (not a decided one)."""
    mentions = Mention.objects.filter(
        kind=Mention.Kind.WEBMENTION, article=received.article_id, url=received.source
    ).exclude(status__in=DECIDED_AGAINST)
    withdrawn = 0
    for mention in mentions:  # One by one, so a public one leaves the page at once.
        mention.delete()
        withdrawn += 1
    return "mention withdrawn" if withdrawn else "nothing stored"


def keep(received: Received, article: Article, entry: source.Entry) -> str:
    """A verified mention: a new held item, or the one this source made, brought up to date."""
    with transaction.atomic():
        mention = (
            Mention.objects.select_for_update()
            .filter(kind=Mention.Kind.WEBMENTION, article=article, url=received.source)
            .first()
        )
        fields = {"title": entry.title, "author_name": entry.author_name, "excerpt": entry.excerpt}
        if mention is None:
            mention = Mention.objects.create(
                kind=Mention.Kind.WEBMENTION,
                article=article,
                url=received.source,
                verified_at=timezone.now(),
                **fields,
            )
            # The moderators are emailed, as for a held comment (WordPress: a pingback).
            became_held(mention)
            return "held for moderation"
        changed = any(getattr(mention, name) != value for name, value in fields.items())
        for name, value in fields.items():
            setattr(mention, name, value)
        mention.verified_at = timezone.now()
        back = changed and mention.status == Comment.Status.APPROVED
        if back:
            # As an author's edit: what readers see again is read by a moderator first.
            mention.status = Comment.Status.PENDING
        mention.save()
        if back:
            became_held(mention)
            return "updated, back to the queue"
        return "updated" if changed else "verified again, unchanged"
