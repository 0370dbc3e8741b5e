from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.views.generic import DetailView, ListView

from blog.models import Article, ArticleQuerySet


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
    """One article with its comment section."""

    template_name = "blog/article_detail.html"
    context_object_name = "article"

    def render_to_response(self, context, **response_kwargs) -> HttpResponse:
        response = super().render_to_response(context, **response_kwargs)
        if not self.object.is_published():
            # A staff preview must never land in a shared or browser cache.
            add_never_cache_headers(response)
        return response
