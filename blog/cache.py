"""
Article pages for anonymous readers, served from the cache without ever going stale.

What makes a page the same for every anonymous reader is cached whole: the
article, the threaded comments (the part that grows), the form's layout. What
belongs to one reader is put back into each copy served: the CSRF token and the
form's hidden fields (its signed timestamp above all), rendered fresh per request.

A page's cache key holds the two times that can change it, read from the
article's own row: ``updated_at`` (every save of the article) and
``comments_changed_at`` (bumped here when a public comment appears, changes or
goes). A change is seen at once by every process, whatever the cache backend,
and needs no deletion: a new key is simply missed once.

Requests that are not plain anonymous reads bypass the shared copy: staff and
anyone with a session, a reader with messages waiting, a commenter who may see
their own held comments (the ``comments_pending`` cookie), replies chosen with
``?replytocom=``, and unpublished articles (staff previews).
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.crypto import get_random_string
from django.utils.html import format_html

from blog.models import Article
from comments.forms import CommentForm
from comments.models import Comment
from comments.pending import COOKIE_NAME as PENDING_COOKIE
from comments.views import render_article

CSRF_SLOT = "csrfmiddlewaretoken"
MESSAGES_COOKIE = "messages"


def csrf_input(token: str) -> str:
    """The hidden input that ``{% csrf_token %}`` renders."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


@dataclass(frozen=True)
class SharedPage:
    """A rendered page cut around the parts that belong to one reader."""

    parts: tuple[str, ...]
    slots: tuple[str, ...]

    def fill(self, fresh: dict[str, str]) -> str | None:
        """The page with each slot filled; None if a slot has nothing to fill it."""
        if not set(self.slots) <= fresh.keys():
            return None
        pieces = [self.parts[0]]
        for slot, part in zip(self.slots, self.parts[1:], strict=True):
            pieces += [fresh[slot], part]
        return "".join(pieces)


def cut(html: str, per_reader: dict[str, tuple[str, str]]) -> SharedPage | None:
    """
    Cut ``html`` around each reader's own rendering, or None if that is not safe.

    ``per_reader`` maps a slot to (its exact rendering, its value). A rendering
    found once becomes a slot. One found twice, or not found while its value
    still shows somewhere, means the page was not rendered as expected: it is
    not shared rather than risk serving one reader's token to another.
    """
    found = []
    for slot, (rendering, value) in per_reader.items():
        count = html.count(rendering)
        if count > 1 or (count == 0 and value and value in html):
            return None
        if count == 1:
            found.append((html.index(rendering), slot, rendering))
    parts, slots, position = [], [], 0
    for index, slot, rendering in sorted(found):
        parts.append(html[position:index])
        slots.append(slot)
        position = index + len(rendering)
    parts.append(html[position:])
    return SharedPage(tuple(parts), tuple(slots))


def is_shareable(request: HttpRequest, article: Article) -> bool:
    """Whether this request may get the copy every anonymous reader shares."""
    cookies = request.COOKIES
    return (
        request.method in {"GET", "HEAD"}
        and article.is_published()
        and "replytocom" not in request.GET
        and settings.SESSION_COOKIE_NAME not in cookies
        and MESSAGES_COOKIE not in cookies
        and PENDING_COOKIE not in cookies
    )


def page_key(article: Article) -> str:
    """Everything the shared page depends on, read from the article's row and the deploy."""
    return ":".join(
        [
            "article-page",
            str(article.pk),
            article.updated_at.isoformat(),
            article.comments_changed_at.isoformat(),
            "open" if article.comments_are_open() else "closed",
            # A deploy with new static files gets new pages (their hashed names change).
            getattr(staticfiles_storage, "manifest_hash", "") or "",
        ]
    )


def reader_parts(form: CommentForm, token: str) -> dict[str, tuple[str, str]]:
    """The CSRF input and the form's hidden inputs, as (rendering, value) by slot."""
    parts = {CSRF_SLOT: (csrf_input(token), token)}
    for field in form.hidden_fields():
        value = field.value()
        parts[field.name] = (str(field), "" if value is None else str(value))
    return parts


def etag_for(request: HttpRequest, key: str) -> str:
    """
    An ETag for this page as this browser holds it.

    It covers the browser's CSRF cookie, so a copy is only ever revalidated
    with the token it was served with, and a time window no longer than the
    cache's, so the form's signed timestamp in a browser's copy stays recent.
    """
    window = int(time.time() // max(settings.ARTICLE_CACHE_SECONDS, 1))
    material = f"{key}|{request.META.get('CSRF_COOKIE', '')}|{window}"
    return f'"{hashlib.sha256(material.encode()).hexdigest()[:40]}"'


def serve_article(request: HttpRequest, article: Article) -> HttpResponse:
    """The article page from the shared copy (rendered once if missing), or a 304."""
    key = page_key(article)
    # get_token() also sets the CSRF cookie of a first-time reader.
    fresh = reader_parts(CommentForm(article=article), get_token(request))
    etag = etag_for(request, key)
    response = get_conditional_response(request, etag=etag)
    if response is None:
        page = cache.get(key)
        if page is None and (page := render_shared(request, article)) is not None:
            cache.set(key, page, settings.ARTICLE_CACHE_SECONDS)
        html = page and page.fill({slot: rendering for slot, (rendering, _) in fresh.items()})
        # A page that could not be shared safely is rendered for this reader alone.
        response = HttpResponse(html) if html else render_article(request, article)
    response["ETag"] = etag
    # The page holds this browser's CSRF token: no shared cache (a proxy) may keep it,
    # and the browser asks each time (a 304 when nothing changed).
    patch_cache_control(response, private=True, no_cache=True)
    return response


def render_shared(request: HttpRequest, article: Article) -> SharedPage | None:
    """Render the page with stand-ins for the reader's parts, and cut it around them."""
    marker = get_random_string(40)
    form = CommentForm(article=article)
    response = render_article(request, article, form, extra_context={"csrf_token": marker})
    return cut(response.content.decode(), reader_parts(form, marker))


def comments_changed(article_ids) -> None:
    """Mark the articles whose public comments changed, so their cached pages are replaced."""
    Article.objects.filter(pk__in=set(article_ids)).update(comments_changed_at=timezone.now())


@receiver(post_init, sender=Comment)
def remember_status(sender, instance: Comment, **kwargs) -> None:
    """Note the status a comment was loaded with, to tell a change of public view."""
    instance._status_as_loaded = instance.__dict__.get("status")


@receiver(post_save, sender=Comment)
def comment_saved(sender, instance: Comment, **kwargs) -> None:
    """A comment that is or was public changed: its article's page must be rendered anew."""
    if Comment.Status.APPROVED in {instance.status, getattr(instance, "_status_as_loaded", None)}:
        comments_changed([instance.article_id])
    instance._status_as_loaded = instance.status


@receiver(post_delete, sender=Comment)
def comment_deleted(sender, instance: Comment, **kwargs) -> None:
    """A deleted comment may have been public (the instance may not know it was approved since)."""
    comments_changed([instance.article_id])
