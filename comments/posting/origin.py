"""
Cross-site protection for the comment form, without a CSRF token in the page.

The article page is the same for every reader, so it cannot carry Django's
per-reader token. What the browser says about where a request comes from is
enough for a form that only ever adds a held comment: the approach of Go 1.25's
``http.CrossOriginProtection`` and of OWASP's CSRF cheat sheet
(https://words.filippo.io/csrf/):

1. ``Sec-Fetch-Site`` (Fetch Metadata, sent by every current browser):
   ``same-origin`` or ``none`` (typed or bookmarked) passes; ``same-site`` or
   ``cross-site`` passes only from an origin in DJANGO_CSRF_TRUSTED_ORIGINS.
2. Without it, ``Origin`` (sent with every POST by browsers since 2020) must be
   this site's own or a trusted one.
3. Without either, ``Referer`` must point at this site.
4. With none of the three, the request is refused: an old browser that
   sends nothing, or a script, could be anyone's.

We chose this over django-modern-csrf, which replaces Django's middleware for the
whole site and lets a request without Sec-Fetch-Site and Origin through. The
admin and every staff form keep Django's token CSRF (CsrfViewMiddleware) as
they are; only the comment POST is exempt from it, and checked here instead.
Trusted origins are compared as Django's own ``CsrfViewMiddleware._origin_verified``
compares them: exact, or ``https://*.example.com`` for subdomains.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.utils.http import is_same_domain

from lib.text import split_url

CROSS_SITE = (
    "This comment was sent from another website, so it was not accepted. If you wrote it "
    "here, please copy your text, reload the article and post it again."
)
NO_ORIGIN = (
    "Your browser did not say which page this comment was sent from, so it was not accepted. "
    "Please post it from the article page in an up-to-date browser."
)


def cross_site_refusal(request: HttpRequest) -> str:
    """Why this POST may not have come from the site's own page, or "" if it did."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if fetch_site is not None:
        if fetch_site in {"same-origin", "none"}:
            return ""
        # The browser itself says another site sent it: only an origin the operator
        # trusts may do that (a site sharing our domain is not us).
        return "" if origin and is_trusted_origin(origin) else CROSS_SITE
    if origin is None and (referer := request.headers.get("Referer")):
        origin = origin_of(referer)
    if origin is None:
        return NO_ORIGIN
    return "" if is_own(request, origin) or is_trusted_origin(origin) else CROSS_SITE


def origin_of(url: str) -> str:
    """The origin (scheme and host) of a URL; "" for one that cannot be read: no site's."""
    parts = split_url(url)
    return f"{parts.scheme}://{parts.netloc}" if parts else ""


def is_own(request: HttpRequest, origin: str) -> bool:
    """Whether ``origin`` is this site, as the browser addressed it."""
    try:
        return origin == f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return False


def is_trusted_origin(origin: str) -> bool:
    """Whether ``origin`` is one of DJANGO_CSRF_TRUSTED_ORIGINS, exactly or as a subdomain."""
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    if (parts := split_url(origin)) is None:
        return False
    return any(
        is_same_domain(parts.netloc, trusted.netloc.removeprefix("*"))
        for trusted in map(urlsplit, settings.CSRF_TRUSTED_ORIGINS)
        if "*" in trusted.netloc and trusted.scheme == parts.scheme
    )
