"""
The pages that list articles by topic and by date: each category, tag and author, each year
and month. Every one is the same for every reader (blog/shared_pages.py), paged by
``?page=N`` like the home page (serving/query.py registers it), and withdrawn from nginx's
cache when an article on it changes (serving/purge.py).

A category's page lists the articles of the categories inside it too, as WordPress's does.
"""

from datetime import date

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.generic import ListView

from blog.models import Article, ArticleQuerySet, Author, Category, Tag, Topic
from blog.shared_pages import shared_page
from comments.section import with_comment_count

ARTICLES_PER_PAGE = 20
TOPICS = {"category": Category, "tag": Tag, "author": Author}
# The earliest and latest year an archive's address may name: anything else is a 404
# from the resolver's pattern or here, before a query.
FIRST_YEAR, LAST_YEAR = 1990, 2200


def topic_version(request: HttpRequest, slug: str, *args, kind: str, **kwargs) -> str | None:
    """The version of a topic's page and feed: the site's articles and the topic itself."""
    topic = TOPICS[kind].objects.filter(slug=slug).first()
    if topic is None:
        return None
    return f"{Article.objects.version()}|{topic.version()}"


def archive_version(request: HttpRequest, *args, **kwargs) -> str:
    return Article.objects.version()


class ListingView(ListView):
    """A page of published articles, newest first, with a heading and maybe a feed."""

    template_name = "blog/listing.html"
    context_object_name = "articles"
    paginate_by = ARTICLES_PER_PAGE

    def articles(self) -> ArticleQuerySet:
        raise NotImplementedError

    def get_queryset(self) -> ArticleQuerySet:
        return with_comment_count(self.articles().select_related("author"))


class TopicView(ListingView):
    """A category's, tag's or author's page: its description, then its articles."""

    kind = ""

    def get(self, request: HttpRequest, *args, **kwargs):
        self.topic: Topic = get_object_or_404(TOPICS[self.kind], slug=kwargs["slug"])
        return super().get(request, *args, **kwargs)

    def articles(self) -> ArticleQuerySet:
        return self.topic.articles()

    def get_context_data(self, **kwargs) -> dict:
        kind_label = {"category": "Category", "tag": "Tag", "author": "Articles by"}[self.kind]
        return super().get_context_data(
            topic=self.topic,
            heading=self.topic.name,
            heading_label=kind_label,
            description=self.topic.description,
            feed_url=self.topic.get_feed_url(),
            path=self.topic.get_absolute_url(),
            ancestors=self.topic.ancestors() if isinstance(self.topic, Category) else [],
            **kwargs,
        )


def topic_view(kind: str):
    """The view of one kind of topic's pages, with its version for shared caches."""
    return shared_page(lambda *args, **kwargs: topic_version(*args, kind=kind, **kwargs))(
        TopicView.as_view(kind=kind)
    )


class ArchiveView(ListingView):
    """The articles published in one year, or one month of it (the site's time zone)."""

    def get(self, request: HttpRequest, *args, **kwargs):
        self.year, self.month = kwargs["year"], kwargs.get("month")
        if not FIRST_YEAR <= self.year <= LAST_YEAR or not 1 <= (self.month or 1) <= 12:
            raise Http404("No archive for that date.")
        return super().get(request, *args, **kwargs)

    def articles(self) -> ArticleQuerySet:
        published = Article.objects.published().filter(published_at__year=self.year)
        if self.month:
            published = published.filter(published_at__month=self.month)
        return published

    def get_context_data(self, **kwargs) -> dict:
        if self.month:
            heading = date(self.year, self.month, 1).strftime("%B %Y")
            path = reverse("blog:archive-month", kwargs={"year": self.year, "month": self.month})
        else:
            heading = str(self.year)
            path = reverse("blog:archive-year", kwargs={"year": self.year})
        return super().get_context_data(
            heading=heading, heading_label="Archive", path=path, **kwargs
        )

    def paginate_queryset(self, queryset, page_size):
        # An archive with nothing in it is no page (WordPress answers 404 too).
        result = super().paginate_queryset(queryset, page_size)
        if not result[0].count:
            raise Http404("Nothing was published then.")
        return result


archive = method_decorator(shared_page(archive_version), name="get")(ArchiveView).as_view()


def archive_months() -> list[date]:
    """Each month something public was published in (the site's time zone), newest first."""
    months = Article.objects.published().datetimes("published_at", "month", order="DESC")
    return [timezone.localtime(month).date() for month in months]
