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
browser the JSON or Mastodon the HTML.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

from blog.models import Article
from federation import documents
from federation.views import activity_response

ARTICLE_VIEWS = {"blog:article", "blog:article-comment-page"}


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
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        if match.view_name not in ARTICLE_VIEWS:
            return self.get_response(request)
        response = None
        if request.method in ("GET", "HEAD") and wants_activity(request.headers.get("Accept", "")):
            article = Article.objects.published().filter(slug=match.kwargs["slug"]).first()
            if article is not None and match.view_name == "blog:article":
                response = activity_response(documents.article_object(article))
        if response is None:
            response = self.get_response(request)
        patch_vary_headers(response, ["Accept"])
        return response
