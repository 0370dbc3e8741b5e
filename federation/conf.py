"""
The fediverse account's names and limits: each read from settings, with its default, here.

The account is ``@<FEDIVERSE_USERNAME>@<host of SITE_URL, port included>``; every
address the fediverse sees is built on SITE_URL, never on a request's Host.
"""

import os
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from blog.models import full_url

# The inbox takes activities up to this size (Mastodon's own are a few KB), and this deep.
MAX_ACTIVITY_BYTES = 256 * 1024
MAX_DEPTH = 16
# A signed request's Date may be this far from our clock (Mastodon allows 12 hours ahead
# of expiry; the issue asks "a few minutes").
SIGNATURE_MAX_AGE_SECONDS = 300
# What a remote actor or object may weigh, and how long fetching it may take.
FETCH_MAX_BYTES = 512 * 1024
FETCH_TIMEOUT_SECONDS = 10.0


def username() -> str:
    """The account's name: FEDIVERSE_USERNAME, else DJANGO_FEDIVERSE_USERNAME (config's .env
    included, which environs reads into the environment), else ``blog``."""
    return getattr(settings, "FEDIVERSE_USERNAME", None) or os.environ.get(
        "DJANGO_FEDIVERSE_USERNAME", "blog"
    )


def host() -> str:
    """SITE_URL's host, port included when it has one: the account's domain."""
    return urlsplit(settings.SITE_URL).netloc


def handle() -> str:
    return f"{username()}@{host()}"


def actor_url() -> str:
    return full_url(reverse("federation:actor"))


def key_id() -> str:
    return f"{actor_url()}#main-key"


def inbox_url() -> str:
    return full_url(reverse("federation:inbox"))


def attempts() -> int:
    """Attempts to deliver one activity to one inbox before it is marked failed."""
    return getattr(settings, "FEDIVERSE_ATTEMPTS", 8)


def retry_seconds() -> int:
    """Wait before the first retry of a delivery; it doubles each time."""
    return getattr(settings, "FEDIVERSE_RETRY_SECONDS", 60)


def lease_seconds() -> int:
    """A delivery a worker took but did not finish in this time is taken up again."""
    return getattr(settings, "EMAIL_LEASE_SECONDS", 120)
