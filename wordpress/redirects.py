"""
Old WordPress links, answered with a permanent redirect to where the article is now.

In the spirit of ``django.contrib.redirects``' fallback middleware: a request
is only looked at when this site would answer 404, so no page of its own ever
pays for it. The exception is the home page, which answers ``?p=ID`` and
``?page_id=ID`` (WordPress's plain links) with the article list: those two
are looked at before it.

What an old link can be (each permalink structure WordPress offers):

- the post's own permalink, as the export gave it (``<link>``), whatever its
  structure: ``/2025/01/15/name/``, ``/2025/01/name/``, ``/name/``,
  ``/archives/4``, ``/category/name/``;
- any of those structures, found by the post's name or id, for a site that
  changed its permalinks once;
- ``?p=ID``, ``?page_id=ID``, each with ``&feed=…`` for the post's comment feed;
- ``?s=words``, WordPress's search, on any address: the search page, with the same words;
- the same followed by ``feed/`` (the post's comments feed), ``comment-page-N/``
  (all comments are on one page here), ``amp/``, ``embed/``, ``trackback/``,
  a page number, or an attachment's name;
- a category's, tag's or author's page, a date archive, a page of the home page, and
  their feeds (``/category/<parent>/<child>/``, ``/tag/<slug>/feed/``, ``/2025/03/``,
  ``/page/2/``…): the page here that lists the same articles (wordpress/taxonomy.py);
- the site's feeds: ``/feed/`` and ``/comments/feed/`` are the same addresses
  here; ``/feed/rss2/``, ``/feed/rdf/``, ``/comments/feed/atom/``, ``?feed=rss2``
  and the old ``wp-rss2.php`` family redirect to them;
- under the old blog's folder (``https://example.com/blog/…``) when it had one.

An old ``#comment-ID`` link keeps its fragment through the redirect (browsers
carry it over), and lands because the comment kept its id or renders it as an
anchor (wordpress/importer.py).

A redirect is the same for every reader and goes only to a published article,
so it may be kept by any cache for an hour.
"""

import re
from collections.abc import Callable
from urllib.parse import urlencode

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.urls import reverse
from django.utils.cache import patch_cache_control

from blog.models import full_url
from lib.text import parse_id
from wordpress.models import ImportedPost, WordPressSite
from wordpress.taxonomy import old_address_target

REDIRECT_MAX_AGE = 60 * 60
SITE_FEEDS = {
    "feed": "blog:feed",
    "feed/rss2": "blog:feed",
    "feed/rss": "blog:feed",
    "feed/rdf": "blog:feed",
    "feed/atom": "blog:atom",
    "comments/feed": "blog:comments-feed",
    "comments/feed/rss2": "blog:comments-feed",
    "comments/feed/atom": "blog:comments-feed",
    "wp-rss2.php": "blog:feed",
    "wp-rss.php": "blog:feed",
    "wp-rdf.php": "blog:feed",
    "wp-atom.php": "blog:atom",
    "wp-commentsrss2.php": "blog:comments-feed",
}
QUERY_FEEDS = {
    "rss2": "blog:feed",
    "rss": "blog:feed",
    "rdf": "blog:feed",
    "atom": "blog:atom",
    "comments-rss2": "blog:comments-feed",
    "comments-atom": "blog:comments-feed",
}
HOME_PATHS = {"", "index.php"}
FEED_ENDINGS = {"feed", "rss2", "rss", "rdf", "atom"}
ENDINGS = {"amp", "embed", "trackback"}
COMMENT_PAGE = re.compile(r"^comment-page-\d+$")


class WordPressRedirectMiddleware:
    """301 from an old WordPress address to the article now here (see the module's words)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reading = request.method in {"GET", "HEAD"}
        if (
            reading
            and request.path.strip("/") in HOME_PATHS
            and (target := query_target(request.GET))
        ):
            return moved(target)
        response = self.get_response(request)
        if (
            reading
            and response.status_code == 404
            and (target := path_target(request.path) or query_target(request.GET))
        ):
            return moved(target)
        return response


def moved(path: str) -> HttpResponse:
    response = HttpResponsePermanentRedirect(full_url(path))
    patch_cache_control(response, public=True, max_age=REDIRECT_MAX_AGE)
    return response


def query_target(query: QueryDict) -> str | None:
    """Where a plain link (``?p=4``, ``?page_id=7``, ``?feed=rss2``, ``?s=``) now points."""
    if "s" in query:
        return f"{reverse('search:results')}?{urlencode({'q': query['s']})}"
    feed = query.get("feed", "")
    for key in ("p", "page_id"):
        if (wp_id := parse_id(query.get(key))) is not None:
            posts = ImportedPost.objects.filter(wp_id=wp_id)
            if key == "page_id":
                posts = posts.filter(wp_type="page")
            return article_target(posts, feed=bool(feed))
    if feed in QUERY_FEEDS:
        return reverse(QUERY_FEEDS[feed])
    return None


def path_target(path: str) -> str | None:
    """Where an old permalink (or its feed, comment page…) now points; None if unknown."""
    sites = list(WordPressSite.objects.order_by("-pk"))
    candidates = []
    relative = path.strip("/").lower()
    for site in sites:
        base = site.base_path.strip("/").lower()
        if base and (relative == base or relative.startswith(base + "/")):
            candidates.append(relative[len(base) :].strip("/"))
    candidates.append(relative)
    for candidate in candidates:
        if candidate.startswith("index.php/"):
            candidate = candidate.removeprefix("index.php/")
        if candidate in SITE_FEEDS:
            return reverse(SITE_FEEDS[candidate])
        # Categories, tags, authors, date archives, pages of posts (wordpress/taxonomy.py).
        if target := old_address_target(candidate):
            return target
        if sites and (target := post_target(candidate)):
            return target
    return None


def post_target(relative: str) -> str | None:
    segments = [segment for segment in relative.split("/") if segment]
    feed = False
    if len(segments) > 1 and segments[-1] in FEED_ENDINGS - {"feed"} and segments[-2] == "feed":
        segments, feed = segments[:-2], True
    elif segments and segments[-1] == "feed":
        segments, feed = segments[:-1], True
    elif segments and (COMMENT_PAGE.match(segments[-1]) or segments[-1] in ENDINGS):
        segments = segments[:-1]
    elif (
        len(segments) > 1
        and parse_id(segments[-1]) is not None
        and parse_id(segments[-2]) is None
        and (segments[-2] != "archives")
    ):
        segments = segments[:-1]  # /name/2/: the second page of a post split in pages
    if not segments:
        return None
    lookups = Q(old_path="/".join(segments)) | Q(wp_slug=segments[-1])
    if len(segments) > 1:
        lookups |= Q(wp_slug=segments[-2])  # /post-name/attachment-name/
    archived = parse_id(segments[1]) if len(segments) == 2 and segments[0] == "archives" else None
    if archived is not None:
        lookups |= Q(wp_id=archived)
    posts = ImportedPost.objects.filter(lookups)

    def rank(post: ImportedPost) -> int:
        """The exact permalink first, then the name, then the id, then an attachment's post."""
        if post.old_path and post.old_path == "/".join(segments):
            return 0
        if post.wp_slug == segments[-1]:
            return 1
        if segments[0] == "archives" and str(post.wp_id) == segments[-1]:
            return 2
        return 3

    return article_target(posts, feed=feed, rank=rank)


def article_target(posts, *, feed: bool, rank: Callable[[ImportedPost], int] | None = None):
    """The address of the best of these posts' articles that the public may read."""
    candidates = [
        post
        for post in posts.select_related("article").order_by("-site_id", "pk")[:20]
        if post.article is not None and post.article.is_published()
    ]
    if rank:
        candidates.sort(key=rank)
    if not candidates:
        return None
    article = candidates[0].article
    if feed:
        return reverse("blog:article-feed", kwargs={"slug": article.slug})
    return article.get_absolute_url()
