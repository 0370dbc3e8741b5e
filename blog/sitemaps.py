"""
The sitemap: the home page, every published article, and the later pages of
its comments, at SITE_URL.

An article's ``lastmod`` is its last edit, its publication, or the last change
to its public discussion (``discussion_changed_at``, moved by the one rule in
comments.models.discussion_changed), whichever is later, so search engines
come back when the discussion grows, and a held, spam or removed comment that
was never public moves nothing.
"""

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from blog.models import Article, ArticleQuerySet
from comments.section import later_comment_pages


class SiteSitemap(Sitemap):
    """Builds locations on SITE_URL, whatever host the request came in on."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class ArticleSitemap(SiteSitemap):
    def items(self) -> ArticleQuerySet:
        return Article.objects.published().order_by("-published_at", "pk")

    def lastmod(self, item: Article) -> datetime:
        return last_changed(item)


def last_changed(article: Article) -> datetime:
    """When the article's page last changed: an edit, its publication, or its discussion."""
    # A scheduled article appears at its publication time, after its last edit.
    return max(article.updated_at, article.published_at, article.discussion_changed_at)


class CommentPageSitemap(SiteSitemap):
    """
    Pages 2 and on of each long discussion (``comment-page-N/``), so that a
    search engine finds every comment without following the links between
    pages. The sitemap lists addresses that answer 200, never the
    ``/comments/<id>/`` permalinks, which redirect. Each page shows the
    discussion's count, so it changes whenever the discussion does: its date
    is the article's.
    """

    def items(self) -> list[tuple[Article, int]]:
        return later_comment_pages(Article.objects.published().order_by("-published_at", "pk"))

    def location(self, item: tuple[Article, int]) -> str:
        article, page = item
        return article.get_comment_page_url(page)

    def lastmod(self, item: tuple[Article, int]) -> datetime:
        return last_changed(item[0])


class HomeSitemap(SiteSitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["blog:home"]

    def location(self, item: str) -> str:
        return reverse(item)

    def lastmod(self, item: str) -> datetime | None:
        times = Article.objects.published().aggregate(Max("updated_at"), Max("published_at"))
        return max(filter(None, times.values()), default=None)


SITEMAPS = {
    "home": HomeSitemap,
    "articles": ArticleSitemap,
    "comment-pages": CommentPageSitemap,
}
