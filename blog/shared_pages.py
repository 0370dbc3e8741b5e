"""
Pages that are the same for every reader, and the HTTP that lets any shared cache keep them.

The article, the home page and the feeds carry nothing of the reader who asks:
no CSRF token, no form stamp, no name. So they can be stored by nginx in front
of the app (deploy/nginx.conf), by Varnish or by a CDN, and served without
running Python. Freshness comes from the standard headers alone (RFC 9111 and
RFC 5861): a shared cache may keep a page for ``SHARED_CACHE_SECONDS``
(``s-maxage``), serve it ``SHARED_CACHE_STALE_SECONDS`` longer while it asks
again (``stale-while-revalidate``, 0 by default: nginx counts in whole seconds,
so a page kept "1 second" may be nearly 2 seconds old, and every reader must
see a change within 2), and keep serving it for a day when the app fails
(``stale-if-error``). It asks again with ``If-None-Match``; the answer is a 304
from one light query whenever nothing changed.

Every other response is private (``PrivateByDefaultMiddleware``): a page is
shared only when a view says so here. Requests holding a cookie that makes a
page personal (``PERSONAL_COOKIES``: a staff session, messages, a commenter
whose comment is held) reach the view, which answers privately, when the
cookie holds something (``is_personal``); a dummy one gets the shared page.

A small copy of each shared page is also kept in Django's cache, keyed by its
ETag, for a shared cache's misses and for several app processes; a new version
is simply a new key, so nothing is ever deleted or stale.
"""

import hashlib
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache as django_cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response

from comments.section import has_own_comments

# A view's version function returns a text that changes whenever its page would, or None
# when there is no shared page to serve (a draft, a 404): the view then answers privately.
Version = Callable[..., str | None]

PRIVATE = "private, no-store"
# How long a shared cache may keep serving a page while the app fails (stale-if-error).
A_DAY = 24 * 60 * 60


def shared_cache_control() -> str:
    """What lets any shared cache store a page for every reader (RFC 9111, RFC 5861)."""
    return (
        f"public, max-age=0, s-maxage={settings.SHARED_CACHE_SECONDS}, "
        f"stale-while-revalidate={settings.SHARED_CACHE_STALE_SECONDS}, "
        f"stale-if-error={getattr(settings, 'SHARED_CACHE_STALE_IF_ERROR_SECONDS', A_DAY)}"
    )


def is_personal(request: HttpRequest) -> bool:
    """
    Whether this request must get a page of its own, never the shared one.

    Only a personal cookie that holds something of the reader's counts: the
    signed list of a commenter's own comments, messages waiting, a session with
    data in it (staff). nginx sends every request carrying one of these cookies
    past its cache, as it cannot tell a real one from a stranger's; here an
    empty, unsigned, forged or expired cookie, an empty message storage or an
    unknown session gets the shared page, from the app's own copy, so that
    dummy cookies sent in bulk never cost a render. The cheap checks (a
    signature) come before the one that may ask the database (the session).
    """
    cookies = [name for name in settings.PERSONAL_COOKIES if request.COOKIES.get(name)]
    cookies.sort(key=lambda name: name == settings.SESSION_COOKIE_NAME)
    return any(holds_something(request, name) for name in cookies)


def holds_something(request: HttpRequest, cookie: str) -> bool:
    """Whether this personal cookie holds anything of the reader's; an unknown one always does."""
    if cookie == settings.COMMENTS_PENDING_COOKIE:
        return has_own_comments(request)
    if cookie == CookieStorage.cookie_name:
        # Counting messages reads them without marking them shown.
        return bool(len(get_messages(request)))
    if cookie == settings.SESSION_COOKIE_NAME:
        # An unknown or malformed key loads as an empty session (and its cookie is then deleted).
        session = getattr(request, "session", None)
        return session is None or bool(session.keys())
    return True


def shared_page(version: Version):
    """
    Serve a view's GET as the page every reader shares, with its ETag and a 304.

    ``version(request, *args, **kwargs)`` is asked first; the view only runs
    when neither the browser, the shared cache in front, nor Django's cache
    holds the page of that version.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in {"GET", "HEAD"} or is_personal(request):
                return view(request, *args, **kwargs)
            current = version(request, *args, **kwargs)
            if current is None:
                return view(request, *args, **kwargs)
            etag = etag_for(request, current)
            response = get_conditional_response(request, etag=etag)
            if response is None:
                response = cached_or_rendered(etag, lambda: view(request, *args, **kwargs))
            if response.status_code in {200, 304} and not response.cookies:
                response["ETag"] = etag
                response["Cache-Control"] = shared_cache_control()
            return response

        return wrapped

    return decorator


def etag_for(request: HttpRequest, version: str) -> str:
    """A strong ETag for this address at this version of its data and of the site's code."""
    material = f"{request.get_full_path()}|{version}|{release()}"
    return f'"{hashlib.sha256(material.encode()).hexdigest()[:32]}"'


def cached_or_rendered(etag: str, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The page kept under this ETag, or rendered now and kept if it is a plain 200."""
    key = f"shared-page:{etag}"
    if (kept := django_cache.get(key)) is not None:
        content, headers = kept
        return HttpResponse(content, headers=headers)
    response = render()
    if hasattr(response, "render"):
        response.render()
    if response.status_code == 200 and not response.cookies and not response.streaming:
        django_cache.set(
            key, (response.content, dict(response.headers)), settings.PAGE_CACHE_SECONDS
        )
    return response


def release() -> str:
    """
    What changes with each deploy: the templates and the static files' manifest.

    A page rendered by older templates must not answer a revalidation with a
    304. Read once per process; with debug on (templates edited live) on each call.
    """
    if settings.DEBUG:
        return _release.__wrapped__()
    return _release()


@cache
def _release() -> str:
    digest = hashlib.sha256(settings.RELEASE.encode())
    digest.update((getattr(staticfiles_storage, "manifest_hash", "") or "").encode())
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(directory).rglob("*.html")):
            digest.update(f"{path}:{path.stat().st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


class PrivateByDefaultMiddleware:
    """
    Every response is private unless its view said it may be shared.

    A page holding one reader's data (their held comment, what they typed into
    a refused form, a stamp bound to them) must never be stored by a proxy or
    replayed by the browser's back button; one rule here covers every such page,
    present and future. Responses that set Cache-Control themselves (shared
    pages, static files, the admin's never_cache) are left as they are, except
    that a page setting a cookie or varying on cookies is never shared: it
    belongs to one reader, whatever its view thought. This middleware comes
    first, so it sees the cookies and Vary that every other one added.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control") or (
            "public" in response["Cache-Control"] and is_per_reader(response)
        ):
            response["Cache-Control"] = PRIVATE
        return response


def is_per_reader(response: HttpResponse) -> bool:
    """Whether a response carries, or depends on, one reader's cookies."""
    return bool(response.cookies) or "cookie" in response.get("Vary", "").lower()
