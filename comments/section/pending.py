"""
Letting a commenter, and nobody else, see their own comment while it is held.

The ids of their newest comments travel in a signed, HttpOnly cookie: it
cannot be forged or read by scripts, and unlike WordPress's moderation hash in
the URL it does not show the comment to whoever is sent the link. While a
browser holds it, its pages are rendered for it alone, past the shared cache
(settings.PERSONAL_COOKIES, deploy/nginx.conf); the cookie goes as soon as
none of its comments is still held or still in its editing window
(comments/posting/editing.py: a comment published at once can be edited for a few
minutes, from the pages this cookie makes private), so a commenter is back on
the fast path, unlike WordPress's commenters, who stay on uncached PHP for a
year.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from comments.models import Comment
from lib.text import parse_id

SALT = "comments.pending"
MAX_AGE = 60 * 60 * 24 * 14
MAX_REMEMBERED = 20


def pending_ids(request: HttpRequest) -> list[int]:
    """The ids this browser may see while they wait for moderation; [] if none or tampered."""
    value = request.get_signed_cookie(
        settings.COMMENTS_PENDING_COOKIE, default="", salt=SALT, max_age=MAX_AGE
    )
    return [pk for part in value.split(",") if (pk := parse_id(part)) is not None]


def own_comments(request: HttpRequest) -> list[Comment]:
    """
    This browser's remembered comments as they are now, in date order; read once
    per request, as the page and the upkeep of the cookie both need them.
    """
    if not hasattr(request, "_own_comments"):
        ids = pending_ids(request)
        found = Comment.objects.filter(pk__in=ids).defer("author_email") if ids else []
        request._own_comments = sorted(found, key=lambda c: (c.created_at, c.pk))
    return request._own_comments


def remember_pending(request: HttpRequest, response: HttpResponse, comment_id: int) -> None:
    """Add a comment to this browser's list (or move it to the end, the newest)."""
    remembered = [pk for pk in pending_ids(request) if pk != comment_id]
    _store(response, [*remembered, comment_id][-MAX_REMEMBERED:])


def keep_pending(request: HttpRequest, response: HttpResponse) -> None:
    """
    Shorten this browser's list to its comments still held or still editable;
    drop the cookie when none is.
    """
    if not request.COOKIES.get(settings.COMMENTS_PENDING_COOKIE):
        return
    remembered = pending_ids(request)
    waiting = {c.pk for c in own_comments(request) if c.is_held() or c.is_editable()}
    still_held = [pk for pk in remembered if pk in waiting]
    if still_held and still_held == remembered:
        return
    if still_held:
        _store(response, still_held)
    else:
        response.delete_cookie(settings.COMMENTS_PENDING_COOKIE, samesite="Lax")


def _store(response: HttpResponse, ids: list[int]) -> None:
    response.set_signed_cookie(
        settings.COMMENTS_PENDING_COOKIE,
        ",".join(map(str, ids)),
        salt=SALT,
        max_age=MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
