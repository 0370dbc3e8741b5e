"""
Layers that stop abuse of the comment form without any outside service.

- A honeypot field that people never see and bots fill in.
- A signed timestamp: a form sent back within seconds of being served was not
  typed by a person; one older than some hours has expired.
- Flood control in Django's cache (Redis when configured, so every app
  process shares it): one comment per IP address, and per email address, per
  interval.
- Duplicate detection: the same text by the same author on the same article.

What the first two catch is stored as spam with the reason, for moderators to
review; the reader is told nothing that would help a bot learn the rules.
"""

import time
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.utils.crypto import salted_hmac

from blog.models import Article
from comments.models import Comment

STAMP_SALT = "comments.form-stamp"


class Stamp(StrEnum):
    """What a form's timestamp says about how it was filled in."""

    HUMAN = "human"
    TOO_FAST = "too fast"
    FORGED = "forged"
    EXPIRED = "expired"


def new_stamp() -> str:
    """A signed record of when a form was served."""
    return signing.TimestampSigner(salt=STAMP_SALT).sign(f"{time.time():.3f}")


def read_stamp(value: str | None) -> tuple[Stamp, float | None]:
    """Check a returned stamp; return its verdict and the seconds since the form was served."""
    signer = signing.TimestampSigner(salt=STAMP_SALT)
    try:
        served = float(signer.unsign(value or "", max_age=settings.COMMENTS_FORM_MAX_AGE))
    except signing.SignatureExpired:
        return Stamp.EXPIRED, None
    except (signing.BadSignature, ValueError):
        return Stamp.FORGED, None
    elapsed = time.time() - served
    if elapsed < settings.COMMENTS_MIN_SUBMIT_SECONDS:
        return Stamp.TOO_FAST, elapsed
    return Stamp.HUMAN, elapsed


def is_flooding(ip: str | None, email: str) -> bool:
    """
    True if this IP address or email address commented within the flood interval.

    ``cache.add`` is atomic in Redis and in the database cache, so two requests
    racing each other cannot both get through. The email is only ever a keyed
    hash in the cache.
    """
    interval = settings.COMMENTS_FLOOD_INTERVAL
    if interval <= 0:
        return False
    email_key = salted_hmac("comments.flood", email.strip().lower(), algorithm="sha256")
    keys = [f"comments:flood:email:{email_key.hexdigest()}"]
    if ip:
        keys.append(f"comments:flood:ip:{ip}")
    cache = caches[settings.COMMENTS_RATE_LIMIT_CACHE]
    # Every key is set, even when an earlier one already blocks.
    added = [cache.add(key, 1, timeout=interval) for key in keys]
    return not all(added)


def is_duplicate(article: Article, email: str, body: str) -> bool:
    """True if this author already left exactly this text on this article."""
    return Comment.objects.by_email(email).filter(article=article, body=body).exists()
