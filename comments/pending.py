"""
Letting a commenter, and nobody else, see their own comment while it is held.

The ids of their pending comments travel in a signed, HttpOnly cookie: it
cannot be forged or read by scripts, and unlike WordPress's moderation hash in
the URL it does not show the comment to whoever is sent the link. Readers
without the cookie get the same page as everyone, which stays cacheable.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

COOKIE_NAME = "comments_pending"
SALT = "comments.pending"
MAX_AGE = 60 * 60 * 24 * 14
MAX_REMEMBERED = 20


def pending_ids(request: HttpRequest) -> list[int]:
    """The ids this browser may see while they wait for moderation; [] if none or tampered."""
    value = request.get_signed_cookie(COOKIE_NAME, default="", salt=SALT, max_age=MAX_AGE)
    return [int(part) for part in value.split(",") if part.isdigit()]


def remember_pending(request: HttpRequest, response: HttpResponse, comment_id: int) -> None:
    """Add a new held comment to this browser's list."""
    ids = [*pending_ids(request), comment_id][-MAX_REMEMBERED:]
    response.set_signed_cookie(
        COOKIE_NAME,
        ",".join(map(str, ids)),
        salt=SALT,
        max_age=MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
