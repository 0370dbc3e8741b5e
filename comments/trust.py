"""
Trusting a returning commenter without trusting whoever knows their email.

WordPress publishes at once a comment whose name and email match an approved
comment, so anyone who knows both rides on that trust. Here each commenting
browser holds a random token in a signed, HttpOnly cookie; every comment stores
a digest of its browser's token (never the token itself). A new comment is
trusted only when the same browser's token and the same email address are on
an approved comment: knowing someone's name and email is not enough, and
neither is reading the database.
"""

import hashlib
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse

COOKIE_NAME = "comments_trust"
SALT = "comments.trust"
MAX_AGE = 60 * 60 * 24 * 365
TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


def browser_token(request: HttpRequest) -> str:
    """This browser's token from its cookie, or a new one if it has none (or a forged one)."""
    token = request.get_signed_cookie(COOKIE_NAME, default="", salt=SALT, max_age=MAX_AGE)
    return token if len(token) == TOKEN_LENGTH else secrets.token_urlsafe(32)


def trust_key(token: str) -> str:
    """What a comment stores of its browser's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def remember_token(response: HttpResponse, token: str) -> None:
    """Keep (or refresh) the token in the browser that commented."""
    response.set_signed_cookie(
        COOKIE_NAME,
        token,
        salt=SALT,
        max_age=MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
