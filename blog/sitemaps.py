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

from blog.listings import archive_months
from blog.models import Article, ArticleQuerySet, Author, Category, Tag, Topic
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


class TopicSitemap(SiteSitemap):
    """Each category, tag or author with a published article: its first page."""

    model: type[Topic] = Tag
    changefreq = "weekly"

    def items(self) -> list[Topic]:
        published = Article.objects.published()
        field = {"category": "articles_in", "tag": "articles_tagged", "author": "articles_written"}
        return list(
            self.model.objects.filter(**{f"{field[self.model.kind]}__in": published})
            .distinct()
            .order_by("slug")
        )


class CategorySitemap(TopicSitemap):
    model = Category

    def items(self) -> list[Topic]:
        # A category whose articles are all in the categories inside it has a page too.
        listed = {category.pk: category for category in super().items()}
        for category in list(listed.values()):
            for ancestor in category.ancestors():
                listed.setdefault(ancestor.pk, ancestor)
        return sorted(listed.values(), key=lambda category: category.slug)


class TagSitemap(TopicSitemap):
    model = Tag


class AuthorSitemap(TopicSitemap):
    model = Author


class ArchiveSitemap(SiteSitemap):
    """Each month something was published in, and each such year."""

    def items(self) -> list[tuple[int, int | None]]:
        months = archive_months()
        years = sorted({month.year for month in months}, reverse=True)
        return [(year, None) for year in years] + [(month.year, month.month) for month in months]

    def location(self, item: tuple[int, int | None]) -> str:
        year, month = item
        if month is None:
            return reverse("blog:archive-year", kwargs={"year": year})
        return reverse("blog:archive-month", kwargs={"year": year, "month": month})


SITEMAPS = {
    "home": HomeSitemap,
    "articles": ArticleSitemap,
    "comment-pages": CommentPageSitemap,
    "categories": CategorySitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "archives": ArchiveSitemap,
}
