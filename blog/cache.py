"""
Article pages for anonymous readers, served from the cache without ever going stale.

What makes a page the same for every anonymous reader is cached whole: the
article, the threaded comments (the part that grows), the form's layout. What
belongs to one reader is put back into each copy served: the CSRF token and the
form's hidden fields (its signed timestamp above all), rendered fresh per request.

A page's cache key holds the two times that can change it, read from the
article's own row by one light query per request: ``updated_at`` (every save
of the article) and ``discussion_changed_at`` (bumped here when a public comment
appears, changes or goes). A change is seen at once by every process, whatever
the cache backend (in-process caches included), and needs no deletion: a new
key is simply missed once. A page rendered from data older than its key can
never be stored under a newer key, since the key is read first.

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
from django.db import connection
from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.crypto import get_random_string
from django.utils.html import escape, format_html

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

    # The shared HTML, UTF-8 encoded once: a large page is then only copied, never re-encoded.
    parts: tuple[bytes, ...]
    # (name, rendering, value) of each cut-out part, in page order.
    slots: tuple[tuple[str, str, str], ...]

    def fill(self, token: str, values: dict[str, str]) -> bytes | None:
        """
        The page with this reader's CSRF token and hidden-field values put back.

        A hidden input is re-rendered by swapping its value in the rendering
        kept (the template engine is not needed for that). None when a slot
        cannot be filled that way: the caller then renders the page afresh.
        """
        pieces = [self.parts[0]]
        for (name, rendering, value), part in zip(self.slots, self.parts[1:], strict=True):
            if name == CSRF_SLOT:
                fresh = csrf_input(token)
            elif name not in values:
                return None
            elif values[name] == value:
                fresh = rendering
            else:
                old = f'value="{escape(value)}"'
                if not value or rendering.count(old) != 1:
                    return None
                fresh = rendering.replace(old, f'value="{escape(values[name])}"')
            pieces += [fresh.encode(), part]
        return b"".join(pieces)


def cut(html: str, per_reader: dict[str, tuple[str, str]]) -> SharedPage | None:
    """
    Cut ``html`` around each reader's own rendering, or None if that is not safe.

    ``per_reader`` maps a name to (its exact rendering, its value). A rendering
    found once becomes a slot. One found twice, or not found while its value
    still shows somewhere, means the page was not rendered as expected: it is
    not shared rather than risk serving one reader's token to another.
    """
    found = []
    for name, (rendering, value) in per_reader.items():
        count = html.count(rendering)
        if count > 1 or (count == 0 and value and value in html):
            return None
        if count == 1:
            found.append((html.index(rendering), name, rendering, value))
    parts, slots, position = [], [], 0
    for index, name, rendering, value in sorted(found):
        parts.append(html[position:index].encode())
        slots.append((name, rendering, value))
        position = index + len(rendering)
    parts.append(html[position:].encode())
    return SharedPage(tuple(parts), tuple(slots))


def hidden_values(form: CommentForm) -> dict[str, str]:
    """The value of each hidden field of a comment form (the signed timestamp above all)."""
    return {field.name: _text(field.value()) for field in form.hidden_fields()}


def new_hidden_values() -> dict[str, str]:
    """
    What a new comment form's hidden fields would hold, without building one.

    Building the form costs more than the rest of a cached page; its hidden
    fields take their values from their declared initial (a callable, such as
    the timestamp's, is called). ``render_shared`` checks the form agrees.
    """
    return {
        name: _text(field.initial() if callable(field.initial) else field.initial)
        for name, field in CommentForm.base_fields.items()
        if field.widget.is_hidden
    }


def _text(value) -> str:
    return "" if value is None else str(value)


def agrees_with_declaration(form: CommentForm) -> bool:
    """Whether ``new_hidden_values()`` stands for this form: same fields, fixed values equal."""
    declared = new_hidden_values()
    rendered = hidden_values(form)
    return rendered.keys() == declared.keys() and all(
        callable(CommentForm.base_fields[name].initial) or rendered[name] == declared[name]
        for name in rendered
    )


def is_shareable(request: HttpRequest) -> bool:
    """Whether this request may get the copy every anonymous reader shares."""
    cookies = request.COOKIES
    return (
        request.method in {"GET", "HEAD"}
        and "replytocom" not in request.GET
        and settings.SESSION_COOKIE_NAME not in cookies
        and MESSAGES_COOKIE not in cookies
        and PENDING_COOKIE not in cookies
    )


def published_version(slug: str) -> tuple[int, str] | None:
    """
    The id and version of the published article with this slug; None if there is none.

    One light query on the hot path: plain SQL costs a tenth of the ORM's
    building of it. The version holds everything the shared page depends on
    that can change: both change times, whether comments are open now (a
    closing time passes without any save), and the deploy's static files.
    """
    quote, now = connection.ops.quote_name, connection.ops.adapt_datetimefield_value(timezone.now())
    sql = (
        f"SELECT id, updated_at, discussion_changed_at, CASE WHEN comments_open AND "
        f"(comments_close_at IS NULL OR comments_close_at > %s) THEN 1 ELSE 0 END "
        f"FROM {quote(Article._meta.db_table)} "
        f"WHERE slug = %s AND status = %s AND published_at <= %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, slug, Article.Status.PUBLISHED.value, now])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, updated, comments_changed, is_open = row
    manifest = getattr(staticfiles_storage, "manifest_hash", "") or ""
    return pk, f"{updated}|{comments_changed}|{'open' if is_open else 'closed'}|{manifest}"


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


def serve_article(request: HttpRequest, slug: str) -> HttpResponse | None:
    """
    The published article from the shared copy (rendered and kept if missing), or a 304.

    None when no published article has this slug: the ordinary view answers.
    """
    if (found := published_version(slug)) is None:
        return None
    pk, version = found
    key = f"article-page:{pk}:{hashlib.sha256(version.encode()).hexdigest()[:32]}"
    # get_token() also sets the CSRF cookie of a first-time reader.
    token = get_token(request)
    etag = etag_for(request, key)
    response = get_conditional_response(request, etag=etag)
    if response is None:
        page = cache.get(key)
        if page is None:
            article = Article.objects.get(pk=pk)
            if (page := render_shared(request, article)) is not None:
                cache.set(key, page, settings.ARTICLE_CACHE_SECONDS)
        html = page and page.fill(token, new_hidden_values())
        # A page that could not be shared safely is rendered for this reader alone.
        response = (
            HttpResponse(html) if html else render_article(request, Article.objects.get(pk=pk))
        )
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
    if not agrees_with_declaration(form):
        return None
    values = hidden_values(form)
    stand_ins = {CSRF_SLOT: (csrf_input(marker), marker)}
    stand_ins |= {field.name: (str(field), values[field.name]) for field in form.hidden_fields()}
    return cut(response.content.decode(), stand_ins)


def comments_changed(article_ids) -> None:
    """Mark the articles whose public comments changed, so their cached pages are replaced."""
    Article.objects.filter(pk__in=set(article_ids)).update(discussion_changed_at=timezone.now())


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
