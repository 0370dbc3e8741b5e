from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views.generic import ListView

from blog.models import Article, ArticleQuerySet, full_url
from blog.shared_pages import shared_page
from comments.section import (
    NoSuchPage,
    render_page,
    section_context,
    settle_pending,
    with_comment_count,
)


def site_version(request: HttpRequest, *args, **kwargs) -> str:
    """The version of every page that lists articles: the home page and the site's feeds."""
    return Article.objects.version()


def article_version(request: HttpRequest, slug: str, *args, **kwargs) -> str | None:
    """The version of a published article's page and feed; None when there is none to share."""
    if "replytocom" in request.GET:
        # The reply form without JavaScript (a link per comment, robots.txt keeps
        # crawlers off): answered for this reader alone, so no comment id, real or
        # not, makes a shared cache keep one more copy of the page.
        return None
    article = (
        Article.objects.published()
        .filter(slug=slug)
        .only("updated_at", "discussion_changed_at", "comments_open", "comments_close_at")
        .first()
    )
    return article.version() if article else None


def visible_articles(request: HttpRequest) -> ArticleQuerySet:
    """What this reader may see: the public gets published articles, staff every one."""
    # Only a request with a session can be staff: asking anyone else would load an
    # empty session, and the page would vary on cookies.
    if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_staff:
        return Article.objects.all()
    return Article.objects.published()


@method_decorator(shared_page(site_version), name="get")
class ArticleListView(ListView):
    """The home page: published articles, newest first."""

    template_name = "blog/article_list.html"
    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self) -> ArticleQuerySet:
        return with_comment_count(Article.objects.published().select_related("author"))


@shared_page(article_version)
def article_detail(request: HttpRequest, slug: str, page: int | None = None) -> HttpResponse:
    """
    One article, with one page of the comment section the comments app offers.

    ``page`` comes from ``comment-page-N/``: the first page is the article's
    own address (``comment-page-1/`` moves there for good), and a page past
    the last, once there (comments were removed), leads to the last.
    """
    article = get_object_or_404(visible_articles(request), slug=slug)
    if page == 1:
        return redirect(article.get_absolute_url(), permanent=True)
    try:
        section = section_context(request, article, page=page or 1)
    except NoSuchPage as missing:
        return redirect(article.get_comment_page_url(missing.last))
    context = {"article": article, **section}
    # Rendered once per version of the page; this reader's own threads set in (render_page).
    response = HttpResponse(render_page(request, "blog/article_detail.html", context))
    # Where other blogs send a Webmention (mentions/), in the header as in the page's <head>.
    response["Link"] = f'<{full_url(reverse("mentions:webmention"))}>; rel="webmention"'
    settle_pending(request, response)
    if not article.is_published():
        # A staff preview must never land in a shared or browser cache.
        add_never_cache_headers(response)
    return response
