"""Who is asking: the client's IP address, also behind trusted proxies."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """
    The address of the reader's machine.

    Behind N trusted proxies (DJANGO_TRUSTED_PROXY_COUNT) it is the Nth address
    from the right of X-Forwarded-For: the one the outermost proxy saw. Addresses
    further left are whatever the client claimed and are never trusted.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
