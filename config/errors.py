"""
The site's error pages: a service the site needs is down, or a form was refused.

When a service is down, a reader sees a styled 503, not a 500.

A database that is unreachable, locked beyond its timeout or out of disk space,
and a Redis that does not answer, all end here (``handler500`` in config/urls.py
sends every uncaught exception through ``server_error``, wherever it was raised,
view or middleware). The cause is logged once, in one line; the reader is told
to try again and, after a POST, that nothing was saved, with what they typed.
"""

import logging
import sys

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.views import defaults
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from comments.section.forms import typed_text

logger = logging.getLogger("config.errors")

# DatabaseError covers OperationalError (down, locked, disk full) and InterfaceError.
OUTAGES = (DatabaseError, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, or the 503 page when the error is an outage."""
    error = sys.exc_info()[1]
    if not isinstance(error, OUTAGES):
        return defaults.server_error(request)
    logger.error(
        "Service unavailable for %s %s: %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        str(error).strip() or repr(error),
    )
    response = HttpResponse(
        loader.get_template("503.html").render(
            {
                "site_name": settings.SITE_NAME,
                "posted": request.method == "POST",
                "typed": typed_text(request),
            }
        ),
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged above with its cause; Django would log it again as a server error.
    response._has_been_logged = True
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form in the site's style, with a sentence a reader understands."""
    return render(request, "403_csrf.html", status=403)
