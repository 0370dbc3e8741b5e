"""
Query strings: which parameters each page reads, and what becomes of the others.

Every click from a social network or a newsletter carries a parameter of its
own (``?fbclid=…``, ``?utm_campaign=…``, TRACKING_PARAMETERS below). No page
here reads one, so a tracking link is the page itself: nginx serves it from
the page's own cache entry without asking the app (deploy/nginx.conf, which
``nginx_facts()`` feeds), and the app, asked directly, answers it as the page
without them.

Any other parameter a page does not read, or a value it does not take in its
one form (``?page=02``, ``?page=1``, a repeated key), gets a permanent
redirect to the address the page does read, before any query: one address
per page, so that no stranger can make a cache (nginx's, the app's own, a
CDN's) keep one more copy, or the app render one more page, per request. nginx
answers the parameters no page reads at all itself; the app, those that some
other page reads.
"""

import re
from collections.abc import Callable
from functools import cache
from urllib.parse import parse_qsl, unquote_plus, urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.utils.cache import patch_cache_control

# A value as a page reads it, or None when the page would read it as absent.
Canonical = Callable[[str], str | None]


def page_number(value: str) -> str | None:
    """A page past the first, in its plain digits (``?page=1`` is the address without it)."""
    if re.fullmatch(r"[0-9]{1,6}", value) and int(value) > 1:
        return str(int(value))
    return None


def as_sent(value: str) -> str:
    """Any value, for a page answered privately (it adds no copy to a shared cache)."""
    return value


# The pages every reader shares, and the permalink, by URL name, with each
# parameter they read and the function that gives a value's one form (None:
# the page reads it as absent). Other views are left as they are.
PAGE_PARAMETERS: dict[str, dict[str, Canonical]] = {
    # The article list's pages (blog/views.py, Django's ListView).
    "blog:home": {"page": page_number},
    # The reply form without JavaScript, as WordPress links it (comments/section.py);
    # such a page is private (blog/views.py article_version).
    "blog:article": {"replytocom": as_sent},
    "blog:article-comment-page": {"replytocom": as_sent},
    "blog:feed": {},
    "blog:atom": {},
    "blog:comments-feed": {},
    "blog:article-feed": {},
    # Topics and archives (blog/listings.py), paged as the home page is; their feeds.
    **dict.fromkeys(
        ["blog:category", "blog:tag", "blog:author", "blog:archive-year", "blog:archive-month"],
        {"page": page_number},
    ),
    **dict.fromkeys(["blog:category-feed", "blog:tag-feed", "blog:author-feed"], {}),
    # django.contrib.sitemaps' own pages.
    "sitemap": {"p": page_number},
    "robots": {},
    # The search page (search/views.py), private: any words, and a page of the results.
    "search:results": {"q": as_sent, "page": page_number},
    # A former #comment-N link that found no comment on the page (static/js/permalinks.js).
    "comments:permalink": {"article": as_sent},
    # WebFinger: which account (federation/views.py); its answer is private.
    "federation:webfinger": {"resource": as_sent},
}
# Parameters a link carries for someone else's analytics (``utm_*``: any name starting
# ``utm_``). No page reads one, so a link with only these is the page itself; the one list,
# rendered into nginx's configuration (deploy/pages.py) as PERSONAL_COOKIES is.
TRACKING_PARAMETERS = (
    *("utm_*", "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid"),
    *("igshid", "_hsenc", "_hsmi", "ref", "yclid", "twclid", "li_fat_id", "ttclid", "s_cid"),
)
# Read before any view by wordpress/redirects.py, on the home page and on any
# address that would be a 404: WordPress's own links (?p=4, ?feed=rss2), and
# its search (?s=cramps), which leads to the search page.
WORDPRESS_PARAMETERS = ("p", "page_id", "feed", "s")


def parameters_in_use() -> list[str]:
    """Every parameter some page reads: nginx passes these on to the app."""
    names = {name for parameters in PAGE_PARAMETERS.values() for name in parameters}
    return sorted(names | set(WORDPRESS_PARAMETERS))


@cache
def tracking_pattern() -> str:
    """A regular expression matching a tracking parameter's name (``utm_*``: any ``utm_…``)."""
    tracking = getattr(settings, "TRACKING_PARAMETERS", TRACKING_PARAMETERS)
    names = (re.escape(name).replace(r"\*", "[^=&]*") for name in tracking)
    return "|".join(names)


def is_tracking(name: str) -> bool:
    return re.fullmatch(tracking_pattern(), name, re.IGNORECASE) is not None


def nginx_facts() -> dict[str, object]:
    """What deploy/nginx.conf is rendered with (deploy/pages.py prints it)."""
    return {"tracking": tracking_pattern(), "used": parameters_in_use()}


def canonical_query(query: str, reads: dict[str, Canonical]) -> tuple[str, bool]:
    """
    The query string a page reading ``reads`` answers to, and whether every
    parameter sent was a tracking one.

    Each parameter the page reads is kept in its one form, with the value
    Django would read (the last one sent), in the order first sent; everything
    else goes.
    """
    sent: dict[str, str] = {}
    tracking_only = True
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in reads:
            sent[name] = value
        tracking_only = tracking_only and is_tracking(name)
    kept = {name: form for name, value in sent.items() if (form := reads[name](value)) is not None}
    return urlencode(kept), tracking_only


def same_values(canonical: str, query: str) -> bool:
    """
    Whether ``query`` is ``canonical`` with its values encoded otherwise: the same address.

    WebFinger's ``?resource=acct:a@b``, as Mastodon sends it, unencoded. Names
    must be as canonical (an encoded name is another address); only values read
    as sent, on pages answered privately, can differ so.
    """

    def pairs(text: str) -> list[tuple[str, str]]:
        split = (pair.partition("=") for pair in text.split("&") if pair)
        return [(name, unquote_plus(value)) for name, _, value in split]

    return pairs(canonical) == pairs(query)


class QueryStringMiddleware:
    """
    Answer a reading request for a page at the one address the page reads.

    Runs once the URL is resolved, before the view: tracking parameters alone
    are dropped and the page served as without them; anything else a page
    does not read is a permanent redirect there, private (so no shared cache
    keeps one copy per address), and kept by the browser for a day.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        query = request.META.get("QUERY_STRING", "")
        reads = PAGE_PARAMETERS.get(request.resolver_match.view_name)
        if not query or request.method not in {"GET", "HEAD"} or reads is None:
            return None
        canonical, tracking_only = canonical_query(query, reads)
        if canonical == query or same_values(canonical, query):
            return None
        if tracking_only:
            request.META["QUERY_STRING"] = ""
            request.GET = QueryDict()
            return None
        path = "/" + request.path.lstrip("/")  # Never //host: only ever this site.
        response = HttpResponsePermanentRedirect(path + (f"?{canonical}" * bool(canonical)))
        patch_cache_control(response, private=True, max_age=24 * 60 * 60)
        return response
