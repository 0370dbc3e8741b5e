"""
The sitemap: the home page and every published article, at SITE_URL.

An article's ``lastmod`` is its last edit, its publication, or the last change to one of its
comments that readers could see (approved, or taken down after), whichever is
later, so search engines come back when the discussion grows.
"""

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse

from blog.models import Article, ArticleQuerySet
from comments.models import Comment


class SiteSitemap(Sitemap):
    """Builds locations on SITE_URL, whatever host the request came in on."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class ArticleSitemap(SiteSitemap):
    def items(self) -> ArticleQuerySet:
        return (
            Article.objects.published()
            .annotate(
                comments_changed_at=Max(
                    "comments__updated_at",
                    filter=~Q(comments__status=Comment.Status.PENDING),
                )
            )
            .order_by("-published_at", "pk")
        )

    def lastmod(self, item: Article) -> datetime:
        # A scheduled article appears at its publication time, after its last edit.
        times = [item.updated_at, item.published_at, item.comments_changed_at]
        return max(filter(None, times))


class HomeSitemap(SiteSitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["blog:home"]

    def location(self, item: str) -> str:
        return reverse(item)

    def lastmod(self, item: str) -> datetime | None:
        times = Article.objects.published().aggregate(Max("updated_at"), Max("published_at"))
        return max(filter(None, times.values()), default=None)


SITEMAPS = {"home": HomeSitemap, "articles": ArticleSitemap}
