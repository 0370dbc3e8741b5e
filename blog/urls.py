"""The articles' addresses: the home page, each article and its pages of comments, the feeds."""

from django.urls import path, register_converter

from blog import feeds, listings, views
from blog.shared_pages import shared_page


class PageNumberConverter:
    """
    A page number as its canonical digits only: 1 to 999999, no leading zero.

    Anything else (``0``, ``02``, ``two``, seven digits) is no address of this
    site: a 404 from the resolver, before any query.
    """

    regex = "[1-9][0-9]{0,5}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(PageNumberConverter, "page")


class YearConverter:
    """A year as four digits (the archive checks its range)."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return f"{int(value):04d}"


class MonthConverter:
    """A month as two digits, 01 to 12: one address per month."""

    regex = "0[1-9]|1[0-2]"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return f"{int(value):02d}"


register_converter(YearConverter, "year")
register_converter(MonthConverter, "month")

# Every page here is the same for every reader, and carries the headers that
# let a shared cache keep it (blog/shared_pages.py).
site_wide = shared_page(views.site_version)


def topic_feed(kind: str, feed):
    """A topic's feed, shared at the version of the topic's page."""
    return shared_page(lambda *args, **kwargs: listings.topic_version(*args, kind=kind, **kwargs))(
        feed
    )


app_name = "blog"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="home"),
    path("articles/<slug:slug>/", views.article_detail, name="article"),
    path(
        "articles/<slug:slug>/comment-page-<page:page>/",
        views.article_detail,
        name="article-comment-page",
    ),
    path("feed/", site_wide(feeds.ArticlesFeed()), name="feed"),
    path("feed/atom/", site_wide(feeds.ArticlesAtomFeed()), name="atom"),
    path("comments/feed/", site_wide(feeds.CommentsFeed()), name="comments-feed"),
    path(
        "articles/<slug:slug>/feed/",
        shared_page(views.article_version)(feeds.ArticleCommentsFeed()),
        name="article-feed",
    ),
    # Topics and archives (blog/listings.py): each page and each topic's feed is shared.
    path("categories/<slug:slug>/", listings.topic_view("category"), name="category"),
    path("tags/<slug:slug>/", listings.topic_view("tag"), name="tag"),
    path("authors/<slug:slug>/", listings.topic_view("author"), name="author"),
    path(
        "categories/<slug:slug>/feed/",
        topic_feed("category", feeds.CategoryFeed()),
        name="category-feed",
    ),
    path("tags/<slug:slug>/feed/", topic_feed("tag", feeds.TagFeed()), name="tag-feed"),
    path("authors/<slug:slug>/feed/", topic_feed("author", feeds.AuthorFeed()), name="author-feed"),
    path("archive/<year:year>/", listings.archive, name="archive-year"),
    path("archive/<year:year>/<month:month>/", listings.archive, name="archive-month"),
]
