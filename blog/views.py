import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView

from blog import cache as page_cache
from blog.models import Article, ArticleQuerySet
from comments.views import render_article

logger = logging.getLogger(__name__)


class ArticleViewMixin:
    """What each reader may see: the public gets published articles, staff every one."""

    def get_queryset(self) -> ArticleQuerySet:
        articles = Article.objects.all()
        if self.request.user.is_staff:
            return articles
        return articles.published()


class ArticleListView(ListView):
    """The home page: published articles, newest first."""

    template_name = "blog/article_list.html"
    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self) -> ArticleQuerySet:
        return Article.objects.published().with_comment_count()


class ArticleDetailView(ArticleViewMixin, DetailView):
    """One article with its comment section (rendered by the comments app)."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if page_cache.is_shareable(request) and (
            response := page_cache.serve_article(request, kwargs["slug"])
        ):
            return response
        self.object = self.get_object()
        response = render_article(request, self.object)
        if not self.object.is_published():
            # A staff preview must never land in a shared or browser cache.
            add_never_cache_headers(response)
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form in the site's style, with a sentence a reader understands."""
    return render(request, "403_csrf.html", status=403)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and monitors: 200 when the database and the cache answer, else 503."""
    checks = {"database": _database_answers, "cache": _cache_answers}
    failed = []
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # Whatever the failure, the answer is "not healthy".
            logger.error("Health check: the %s is unavailable: %r", name, error)
            failed.append(name)
    if failed:
        return HttpResponse(
            f"unavailable: {', '.join(failed)}\n", status=503, content_type="text/plain"
        )
    return HttpResponse("ok\n", content_type="text/plain")


def _database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache_answers() -> None:
    cache.get("healthz")
