"""The articles' addresses: the home page, each article and its pages of comments, the feeds."""

from django.urls import path, register_converter

from blog import feeds, views
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

# Every page here is the same for every reader, and carries the headers that
# let a shared cache keep it (blog/shared_pages.py).
site_wide = shared_page(views.site_version)

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
]
