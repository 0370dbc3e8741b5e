from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.generic import DetailView, ListView

from blog.models import Article, ArticleQuerySet
from comments.views import render_article


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
        self.object = self.get_object()
        response = render_article(request, self.object)
        if not self.object.is_published():
            # A staff preview must never land in a shared or browser cache.
            add_never_cache_headers(response)
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form in the site's style, with a sentence a reader understands."""
    return render(request, "403_csrf.html", status=403)
