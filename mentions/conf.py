"""
The mentions app's settings, each with its default: read when used, so tests may override them.

- ``WEBMENTION_MAX_BYTES``: the most of a page the site reads, to verify a
  mention or to find an endpoint (1 MB; a larger page is refused);
- ``WEBMENTION_TIMEOUT_SECONDS``: the whole of one fetch (10 s);
- ``WEBMENTION_ATTEMPTS`` and ``WEBMENTION_RETRY_SECONDS``: a fetch or a
  send that failed for a while is tried again after 1, 2, 4… times the
  delay, this many attempts in all (6, 60 s), as emails are;
- ``WEBMENTION_LEASE_SECONDS``: work a killed worker took is taken up again
  after this (120 s).
"""

from django.conf import settings


def max_bytes() -> int:
    return getattr(settings, "WEBMENTION_MAX_BYTES", 1_000_000)


def timeout() -> float:
    return getattr(settings, "WEBMENTION_TIMEOUT_SECONDS", 10.0)


def attempts() -> int:
    return getattr(settings, "WEBMENTION_ATTEMPTS", 6)


def retry_seconds() -> float:
    return getattr(settings, "WEBMENTION_RETRY_SECONDS", 60.0)


def lease_seconds() -> float:
    return getattr(settings, "WEBMENTION_LEASE_SECONDS", 120.0)
