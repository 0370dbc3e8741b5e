"""
Webmentions the site sends: an article published or edited tells the pages it links to.

When an article is saved published (or dated to be), each link in its body
to another site gets an ``Outgoing`` row, in the same transaction, and so does
each page it linked to before (a link taken out, or an article withdrawn, is
news to the receiver too: it fetches the article again and finds no link, or
a 404). A row is queued again only when the article changed since it was last
queued: saving an article unchanged sends nothing. An article dated in the
future is announced when its time comes (the row is due then).

``send`` (a django.tasks task, run by the email worker) discovers the target's
endpoint (``discovery``) and POSTs ``source`` and ``target`` to it, through
``lib.outbound``: a target or an endpoint on a private address is refused
like any stranger's. A 5xx, a 429 or an unreachable server is tried again
with backoff (``queue``); any other refusal fails for good; a page without an
endpoint is "not needed any more".
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlencode, urlsplit

from bs4 import BeautifulSoup
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_init, post_save
from django.dispatch import receiver
from django.tasks import task
from django.utils import timezone

from blog.models import Article
from lib import outbound
from lib.text import split_url
from mentions import conf, discovery, queue
from mentions.models import Outgoing
from mentions.source import absolute


def links_elsewhere(article: Article) -> list[str]:
    """The http(s) links of an article's body to other sites, in order, each once."""
    ours = urlsplit(settings.SITE_URL).netloc.lower()
    found = []
    for element in BeautifulSoup(article.body_html, "html.parser").find_all("a", href=True):
        href = element["href"].strip()
        parts = split_url(href)
        if parts is None or absolute(href, "") is None:
            continue
        elsewhere = parts.scheme in {"http", "https"} and parts.netloc.lower() not in {"", ours}
        if elsewhere and len(href) <= 2000 and href not in found:
            found.append(href)
    return found


def digest(article: Article) -> str:
    """What an article's receivers see of it: its address, its state, its body."""
    state = f"{article.slug}|{article.status}|{article.published_at}|{article.body_html}"
    return hashlib.sha256(state.encode()).hexdigest()


# Set while articles are saved that must tell nobody (not_announcing).
_quiet = ContextVar("webmentions_not_announcing", default=False)


@contextmanager
def not_announcing() -> Iterator[None]:
    """
    Articles saved inside this block send no Webmention: a WordPress import
    brings posts the web heard of when they were first published.
    """
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def seen_state(article: Article) -> tuple:
    """What receivers see of an article as loaded or last saved (a deferred field: unknown)."""
    fields = article.__dict__
    return tuple(fields.get(name) for name in ("slug", "status", "published_at", "body_html"))


@receiver(post_init, sender=Article)
def remember_state(sender, instance: Article, **kwargs) -> None:
    """Kept without a query, so that saving an article unchanged for receivers costs none."""
    instance._webmention_state = seen_state(instance)


@receiver(post_save, sender=Article)
def article_saved(sender, instance: Article, created: bool, raw: bool = False, **kwargs) -> None:
    """Queue a Webmention for each page the article links to, or linked to, if it changed."""
    changed = seen_state(instance) != getattr(instance, "_webmention_state", None)
    instance._webmention_state = seen_state(instance)
    if raw or _quiet.get() or not (created or changed):
        return
    if created and not links_elsewhere(instance):
        return  # New, and linking nowhere else: nobody to tell, nothing to look up.
    announce(instance)


def announce(article: Article) -> list[Outgoing]:
    """Write the outbox rows an article's save calls for; their tasks go once it commits."""
    before = dict(Outgoing.objects.filter(article=article).values_list("target", "article_digest"))
    if article.status != Article.Status.PUBLISHED and not before:
        return []  # A draft never announced: nobody to tell.
    targets = links_elsewhere(article) if article.status == Article.Status.PUBLISHED else []
    targets += [target for target in before if target not in targets]
    if not targets:
        return []
    now, state = timezone.now(), digest(article)
    due = max(now, article.published_at)
    changed = []
    with transaction.atomic():
        for target in targets:
            if before.get(target) == state:
                continue
            row, _ = Outgoing.objects.update_or_create(
                article=article,
                target=target,
                defaults={
                    "article_digest": state,
                    "status": Outgoing.Status.QUEUED,
                    "due_at": due,
                    "queued_at": None,
                    "attempts": 0,
                    "last_error": "",
                },
            )
            changed.append(row)
        OUTBOX.send_later(row.pk for row in changed)
    return changed


@task
def send(outgoing_id: int) -> str:
    """Find the target's endpoint and tell it about the article; see the module's docstring."""
    row = OUTBOX.claim(outgoing_id)
    if row is None:
        return "nothing to do"
    article = row.article
    if article.published_at > timezone.now() and article.status == Article.Status.PUBLISHED:
        # Rescheduled since it was queued: announced when it is out.
        Outgoing.objects.filter(pk=row.pk).update(
            status=Outgoing.Status.QUEUED, due_at=article.published_at, queued_at=None
        )
        return "not yet"
    if not article.is_published() and row.sent_at is None:
        OUTBOX.finish(row, Outgoing.Status.CANCELLED, last_error="The article is not published.")
        return "not needed any more"
    try:
        page = outbound.fetch(row.target, max_bytes=conf.max_bytes(), timeout=conf.timeout())
        found = discovery.endpoint(page) if page.status < 400 else None
        if found is None:
            why = "The page has no Webmention endpoint."
            if page.status >= 400:
                why = f"The page answered {page.status}."
            OUTBOX.finish(row, Outgoing.Status.CANCELLED, last_error=why)
            return "no endpoint"
        body = urlencode({"source": article.get_full_url(), "target": row.target}).encode()
        answer = outbound.fetch(
            found,
            method="POST",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            max_bytes=64_000,
            timeout=conf.timeout(),
            follow_redirects=False,
        )
    except outbound.Refused as refused:
        if queue.is_temporary(refused):
            return OUTBOX.try_again(row, refused.sentence)
        OUTBOX.finish(row, Outgoing.Status.FAILED, last_error=refused.sentence[:200])
        return "refused"
    Outgoing.objects.filter(pk=row.pk).update(endpoint=found[:2000], answer=answer.status)
    if 200 <= answer.status < 300:
        OUTBOX.finish(row, Outgoing.Status.SENT, sent_at=timezone.now(), last_error="")
        return "sent"
    why = f"The endpoint answered {answer.status}."
    if answer.status >= 500 or answer.status == 429:
        return OUTBOX.try_again(row, why)
    OUTBOX.finish(row, Outgoing.Status.FAILED, last_error=why)
    return "failed"


OUTBOX = queue.outbox(Outgoing, send, "outgoing Webmention")
