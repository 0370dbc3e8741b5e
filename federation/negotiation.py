"""
An article's address answers the fediverse with its ``Article`` object, and browsers
with its page: content negotiation on ``Accept``, so a search for the article's URL
on Mastodon finds it.

``ArticleNegotiationMiddleware`` answers a GET of a published article that asks for
``application/activity+json`` (or ActivityStreams' ``application/ld+json`` profile)
with the object, before the page's view; every answer at an article's address
(the page, its 304, the object) says ``Vary: Accept``. The object is private to
shared caches (``PrivateByDefaultMiddleware``), and nginx never looks in its
cache for such a request (deploy/nginx.conf, ``$activitypub``): no cache hands a
browser the JSON or Mastodon the HTML. A reply written at the desk to a fediverse
comment answers the same way at its permalink, as the ``Note`` delivered to its
author (private, never cached), so that their server can fetch it by its id.
"""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from blog.models import Article
from comments.models import Comment
from federation import documents
from federation.views import activity_response
from lib.text import parse_id

ARTICLE_VIEWS = {"blog:article", "blog:article-comment-page"}
# A desk reply to a fediverse comment is a Note at its permalink (federation/publishing.py).
PERMALINK = "comments:permalink"


def wants_activity(accept: str) -> bool:
    """Whether an Accept header asks for ActivityStreams JSON (before any HTML it takes)."""
    for item in accept.lower().split(","):
        kind, _, parameters = item.strip().partition(";")
        kind = kind.strip()
        if kind == "application/activity+json":
            return True
        if kind == "application/ld+json" and "activitystreams" in parameters:
            return True
        if kind in ("text/html", "application/xhtml+xml"):
            return False
    return False


class ArticleNegotiationMiddleware:
    """
    Asks nothing of a request until Django has resolved its URL (``process_view``):
    the one resolution every request needs anyway.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in ARTICLE_VIEWS:
            patch_vary_headers(response, ["Accept"])
        return response

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        """The ActivityStreams object where one is asked for at its address; else None."""
        if request.method not in ("GET", "HEAD") or not wants_activity(
            request.headers.get("Accept", "")
        ):
            return None
        match = request.resolver_match
        if match.view_name == PERMALINK:
            return self.site_reply(match)
        if match.view_name == "blog:article":
            article = Article.objects.published().filter(slug=match.kwargs["slug"]).first()
            if article is not None:
                return activity_response(documents.article_object(article))
        return None

    @staticmethod
    def site_reply(match) -> HttpResponse | None:
        """A published reply of the site's to a fediverse comment, as its Note; else None."""
        comment_id = parse_id(match.kwargs.get("comment_id"))
        reply = (
            Comment.objects.approved()
            .filter(pk=comment_id, by_site=True, article__in=Article.objects.published())
            .select_related("parent__remote_note__actor")
            .first()
            if comment_id
            else None
        )
        note = getattr(reply.parent, "remote_note", None) if reply and reply.parent else None
        if note is None:
            return None
        return activity_response(documents.site_reply_note(reply, note.object_id, note.actor.url))
