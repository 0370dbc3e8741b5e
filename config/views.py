"""The project's own pages: the health check, and the version of pages that read no data."""

import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


def release_version(request: HttpRequest, *args, **kwargs) -> str:
    """The version of a page that reads no data (robots.txt): its ETag follows the release."""
    return ""


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and monitors: 200 when the database and the cache answer, else 503."""
    checks = {"database": _database_answers, "cache": _cache_answers}
    failed = []
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # Whatever the failure, the answer is "not healthy".
            logger.error("Health check: the %s is unavailable: %r", name, error)
            failed.append(name)
    if failed:
        return HttpResponse(
            f"unavailable: {', '.join(failed)}\n", status=503, content_type="text/plain"
        )
    return HttpResponse("ok\n", content_type="text/plain")


def _database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache_answers() -> None:
    cache.get("healthz")
