"""
The site's security headers beyond Django's own: each value in one place.

``READER_CSP`` is the Content Security Policy (``settings.SECURE_CSP``, sent by
Django's ContentSecurityPolicyMiddleware): nothing is allowed unless named
(``default-src 'none'``), then each kind of resource the pages load is named,
from the site alone. It also turns Trusted Types on: the site's own scripts
(static/js/) never hand a string to an HTML or script sink (``innerHTML``,
``eval``...), so the browser may refuse every such assignment and no script
may create a policy to get round it (``trusted-types 'none'``).
https://w3c.github.io/trusted-types/dist/spec/

The admin keeps the same policy without Trusted Types: Django's admin scripts
(jQuery, SelectBox, the sidebar) assign ``innerHTML``; staff are signed in and
the admin escapes what it shows.

``SecurityHeadersMiddleware`` adds what Django does not send:
``Cross-Origin-Resource-Policy: same-origin`` (no other site may embed the
site's pages or files in its own) and a ``Permissions-Policy`` turning off the
browser features the site never uses. nginx sends the same two on what it
serves itself (deploy/nginx.conf: static files, its error pages); the pages it
caches keep the app's headers.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP, build_policy

READER_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "require-trusted-types-for": ["'script'"],
    "trusted-types": [CSP.NONE],
}
TRUSTED_TYPES = {"require-trusted-types-for", "trusted-types"}
ADMIN_CSP = {name: values for name, values in READER_CSP.items() if name not in TRUSTED_TYPES}

# Only features Chromium and Firefox know: an unknown name is logged in every
# reader's console. https://github.com/w3c/webappsec-permissions-policy/blob/main/features.md
UNUSED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "sync-xhr",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in UNUSED_FEATURES)
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"


def nginx_headers() -> dict[str, str]:
    """
    The headers nginx adds to what it serves itself (static files, its 503 and
    429 pages), the same as the app's: deploy/pages.py hands them to deploy/stack.py.
    """
    return {
        "Content-Security-Policy": build_policy(READER_CSP),
        "Cross-Origin-Resource-Policy": CROSS_ORIGIN_RESOURCE_POLICY,
        "Permissions-Policy": PERMISSIONS_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": settings.SECURE_REFERRER_POLICY,
        "Cross-Origin-Opener-Policy": settings.SECURE_CROSS_ORIGIN_OPENER_POLICY,
    }


class SecurityHeadersMiddleware:
    """
    Cross-Origin-Resource-Policy and Permissions-Policy on every response, and
    the admin's policy on the admin's pages.

    It sits inside ContentSecurityPolicyMiddleware (settings.MIDDLEWARE), which
    reads the policy chosen here (``_csp_config``, as Django's ``csp_override``
    decorator sets it) when the response passes it on the way out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Cross-Origin-Resource-Policy", CROSS_ORIGIN_RESOURCE_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        match = getattr(request, "resolver_match", None)
        if match and "admin" in match.namespaces and not hasattr(response, "_csp_config"):
            response._csp_config = ADMIN_CSP
        return response
