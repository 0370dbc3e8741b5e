"""
The sitemap: the home page and every published article, at SITE_URL.

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
        # A scheduled article appears at its publication time, after its last edit.
        return max(item.updated_at, item.published_at, item.discussion_changed_at)


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
