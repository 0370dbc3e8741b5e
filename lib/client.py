"""
Who is asking: the client's IP address, also behind trusted proxies; and
``network_of``, an address or network as a moderator types it.
"""

import ipaddress

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


def network_of(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """
    An IP address (a network of one) or a CIDR network, as typed (203.0.113.0/24); else None.

    ``in`` then asks whether an address belongs to it: whole addresses, so
    127.0.0.1 is not 127.0.0.10.
    """
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
