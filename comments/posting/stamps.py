"""
The form stamp: a signed, single-use note of when a reader started to write.

Article pages are the same for every reader (blog/shared_pages.py), so the
comment form on them carries no stamp. ``comments.js`` fetches one from
``/comments/stamp/`` when the reader starts writing; without scripts the
first submission gets a confirmation step that carries one. A stamp says:

- when it was issued: a form sent back sooner than COMMENTS_MIN_SUBMIT_SECONDS
  was not typed by a person, one older than COMMENTS_FORM_MAX_AGE has expired;
- which browser it was issued to (a keyed digest of its browser token,
  comments/trust.py): a stamp harvested once cannot be shared by a botnet;
- for a confirmation step, a digest of the text it confirms, so a confirmed
  stamp cannot carry another text;
- a random id, spent on first use in the rate-limit cache (shared by every app
  process): a second submission with it is a bot replaying it.
"""

import secrets
import time
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "comments.form-stamp"


def max_age() -> int:
    """How long a stamp is good for (COMMENTS_FORM_MAX_AGE, seconds): six hours."""
    return getattr(settings, "COMMENTS_FORM_MAX_AGE", 6 * 60 * 60)


class Stamp(StrEnum):
    """What a returned stamp says about the submission that carried it."""

    HUMAN = "human"
    MISSING = "missing"
    EXPIRED = "expired"
    OTHER_BROWSER = "issued to another browser"
    OTHER_TEXT = "issued for another text"
    FORGED = "forged"
    TOO_FAST = "too fast"


def _digest(kind: str, value: str) -> str:
    return salted_hmac(f"comments.stamp.{kind}", value, algorithm="sha256").hexdigest()[:24]


def issue_stamp(browser: str, text: str = "") -> str:
    """A new stamp for this browser token; bound to ``text`` when it confirms one."""
    payload = {
        "t": round(time.time(), 3),
        "n": secrets.token_urlsafe(12),
        "b": _digest("browser", browser),
    }
    if text:
        payload["d"] = _digest("text", text)
    return signing.TimestampSigner(salt=SALT).sign_object(payload)


def read_stamp(value: str, browser: str, text: str) -> tuple[Stamp, float | None]:
    """
    What the stamp a submission carried says, and the seconds since it was issued.

    Reading spends nothing: ``spend_stamp`` does, once a submission is taken.
    """
    if not value:
        return Stamp.MISSING, None
    signer = signing.TimestampSigner(salt=SALT)
    try:
        payload = signer.unsign_object(value, max_age=max_age())
        issued, bound = float(payload["t"]), str(payload["b"])
    except signing.SignatureExpired:
        return Stamp.EXPIRED, None
    except (signing.BadSignature, ValueError, KeyError, TypeError):
        return Stamp.FORGED, None
    if not constant_time_compare(bound, _digest("browser", browser)):
        return Stamp.OTHER_BROWSER, None
    if "d" in payload and not constant_time_compare(str(payload["d"]), _digest("text", text)):
        return Stamp.OTHER_TEXT, None
    elapsed = time.time() - issued
    if elapsed < settings.COMMENTS_MIN_SUBMIT_SECONDS:
        return Stamp.TOO_FAST, elapsed
    return Stamp.HUMAN, elapsed


def spend_stamp(value: str) -> bool:
    """
    Mark a genuine stamp used; False if it already was (a replay).

    ``cache.add`` is atomic in Redis and in the database cache, so two
    submissions racing with one stamp cannot both spend it.
    """
    payload = signing.TimestampSigner(salt=SALT).unsign_object(value)
    cache = caches[settings.COMMENTS_RATE_LIMIT_CACHE]
    return cache.add(f"comments:stamp:{payload['n']}", 1, timeout=max_age())
