"""
Feeds of the published articles (RSS and Atom) and of approved comments.

Every link is absolute and built on SITE_URL, never on the request's host.
A comment in a feed carries its author's name and text only: no email, IP
address, user agent or website; its link is its permalink (``/comments/<id>/``),
which leads to whichever page of a long discussion shows it.

Titles are plain text (Atom's default ``type="text"``; feedparser reads RSS
titles the same way), so they are not escaped twice as Django's default
``item_title`` does; descriptions are HTML, and a reader's text is escaped
into it. The Atom article feed carries each article whole in ``<content>``
and its standfirst as ``<summary>`` (RSS has one description: the article).

A comment entry's ``updated`` is when its text last changed: its own time,
or its last edit. Never the time of a moderator's decision, which a batch
approval gives many comments at once (the W3C validator flags entries that
share an ``updated``), and which changes nothing a feed reader shows.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from blog.models import Article, full_url
from comments.models import Comment
from comments.text import comment_html

ARTICLES_IN_FEED = 20
COMMENTS_IN_FEED = 30


class ArticlesFeed(Feed):
    """The newest published articles, RSS 2.0."""

    description = "New articles on massage, stretching and relief from muscle cramps."

    def title(self) -> str:
        return settings.SITE_NAME

    def author_name(self) -> str:
        return settings.SITE_NAME

    def link(self) -> str:
        return full_url(reverse("blog:home"))

    def feed_url(self) -> str:
        return full_url(reverse("blog:feed"))

    def items(self) -> QuerySet[Article]:
        return Article.objects.published()[:ARTICLES_IN_FEED]

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        # Sanitized by blog.markup when the article was saved.
        return item.body_html

    def item_link(self, item: Article) -> str:
        return item.get_full_url()

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_updateddate(self, item: Article):
        return item.updated_at


class AtomWithContent(Atom1Feed):
    """Atom 1.0 whose entries may carry ``content`` (HTML), which Django's Atom1Feed leaves out."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        if item.get("content") is not None:
            handler.addQuickElement("content", item["content"], {"type": "html"})


class ArticlesAtomFeed(ArticlesFeed):
    """The same articles, Atom 1.0: each whole in ``<content>``, its standfirst the summary."""

    feed_type = AtomWithContent
    subtitle = ArticlesFeed.description

    def feed_url(self) -> str:
        return full_url(reverse("blog:atom"))

    def item_description(self, item: Article) -> str | None:
        # Plain text in an HTML summary; none when there is none (Atom allows it beside content).
        return escape(item.standfirst) if item.standfirst else None

    def item_extra_kwargs(self, item: Article) -> dict[str, str]:
        return {"content": item.body_html}


class CommentsFeed(Feed):
    """The newest approved comments on published articles, site-wide, Atom 1.0."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return f"Comments on {settings.SITE_NAME}"

    def subtitle(self) -> str:
        return self.title()

    def link(self) -> str:
        return full_url(reverse("blog:home"))

    def feed_url(self) -> str:
        return full_url(reverse("blog:comments-feed"))

    def items(self) -> QuerySet[Comment]:
        return (
            Comment.objects.approved()
            .filter(article__in=Article.objects.published())
            .select_related("article")
            .with_last_edit()
            .order_by("-created_at", "-pk")[:COMMENTS_IN_FEED]
        )

    def item_title(self, item: Comment) -> str:
        return f"Comment on {item.article.title} by {item.author_name}"

    def item_description(self, item: Comment) -> str:
        # The text was typed by a reader: escaped, its line breaks and bare web
        # addresses made HTML, as on the page (comments.text.comment_html).
        return comment_html(item.body)

    def item_link(self, item: Comment) -> str:
        return item.get_full_url()

    def item_author_name(self, item: Comment) -> str:
        return item.author_name

    def item_pubdate(self, item: Comment):
        return item.created_at

    def item_updateddate(self, item: Comment):
        return item.edited_at or item.created_at


class ArticleCommentsFeed(CommentsFeed):
    """The approved comments on one published article, Atom 1.0; 404 for any other."""

    def get_object(self, request: HttpRequest, slug: str) -> Article:
        return get_object_or_404(Article.objects.published(), slug=slug)

    def title(self, obj: Article) -> str:
        return f"Comments on {obj.title}"

    def subtitle(self, obj: Article) -> str:
        return self.title(obj)

    def link(self, obj: Article) -> str:
        return obj.get_full_url()

    def feed_url(self, obj: Article) -> str:
        return full_url(reverse("blog:article-feed", kwargs={"slug": obj.slug}))

    def items(self, obj: Article) -> QuerySet[Comment]:
        comments = obj.comments.approved().select_related("article").with_last_edit()
        return comments.order_by("-created_at", "-pk")[:COMMENTS_IN_FEED]

    def item_title(self, item: Comment) -> str:
        return f"By {item.author_name}"
