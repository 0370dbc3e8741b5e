"""System checks for settings that only go wrong together, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core import checks

PROXY_COUNT_MISSING = checks.Error(
    "DJANGO_BEHIND_TLS_PROXY is on but DJANGO_TRUSTED_PROXY_COUNT is 0, so every reader "
    "seems to come from the proxy's own address: one flood limit for the whole site, and five "
    "wrong admin passwords from anyone lock the account for everyone.",
    hint="Set DJANGO_TRUSTED_PROXY_COUNT to the number of proxies in front of the app that "
    "append to X-Forwarded-For (1 behind make serve's nginx).",
    id="blog.E001",
)


@checks.register(checks.Tags.security, deploy=True)
def check_proxy_count(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Behind a TLS proxy, the client's address must be read past it."""
    behind_proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is not None
    if behind_proxy and settings.TRUSTED_PROXY_COUNT == 0:
        return [PROXY_COUNT_MISSING]
    return []


OUTBOUND_PRIVATE_ALLOWED = checks.Warning(
    "DJANGO_OUTBOUND_ALLOW_PRIVATE is on: a stranger who sends the site a URL (a fediverse "
    "actor, a webmention source) can make it fetch addresses on this machine or its network.",
    hint="Unset DJANGO_OUTBOUND_ALLOW_PRIVATE; it is meant for tests and local trials only.",
    id="blog.W001",
)


@checks.register(checks.Tags.security, deploy=True)
def check_outbound_private(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Requests made for strangers go to public addresses only, in production."""
    return [OUTBOUND_PRIVATE_ALLOWED] if settings.OUTBOUND_ALLOW_PRIVATE else []
