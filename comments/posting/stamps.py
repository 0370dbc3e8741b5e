"""
The form stamp: a signed, single-use note of when a reader started to write.

Article pages are the same for every reader (blog/shared_pages.py), so the
comment form on them carries no stamp. ``comments.js`` fetches one from
``/comments/stamp/`` when the reader starts writing; without scripts the
first submission gets a confirmation step that carries one. A stamp says:

- when its reader started writing: a form sent back sooner than
  COMMENTS_MIN_SUBMIT_SECONDS after that was not typed by a person; a stamp
  shown again with the form's errors or on a confirmation step (``restamp``)
  keeps that moment, so a reader who fixes a typo in a second is timed from
  their first key, not from the error page. Without scripts the moment is
  not known (the text was written before the first post, which carried no
  stamp): such a stamp says so, and asks for no wait. A stamp older than
  COMMENTS_FORM_MAX_AGE, counted from the page that showed it, has expired;
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


def issue_stamp(browser: str) -> str:
    """A stamp for a reader who starts writing now: what comments.js fetches."""
    return _sign(browser, started=round(time.time(), 3), known=True)


def restamp(returned: str, browser: str, text: str = "") -> str:
    """
    The stamp for a form shown again to the reader who sent it: with its errors,
    or on a confirmation step (then bound to ``text``, the comment it confirms).

    It keeps when they started writing, if the stamp they sent is one this
    browser was given and is still current: an error page or a confirmation
    step never makes a person's writing time start again. Otherwise (no
    scripts, a stamp from another browser, an expired or forged one) the text
    was written before this post, nobody knows since when, and the new stamp
    says so.
    """
    payload = _genuine(returned, browser)
    if payload is None:
        return _sign(browser, text, started=round(time.time(), 3), known=False)
    return _sign(browser, text, started=float(payload["t"]), known="u" not in payload)


def _sign(browser: str, text: str = "", *, started: float, known: bool) -> str:
    payload = {"t": started, "n": secrets.token_urlsafe(12), "b": _digest("browser", browser)}
    if text:
        payload["d"] = _digest("text", text)
    if not known:
        payload["u"] = 1
    return signing.TimestampSigner(salt=SALT).sign_object(payload)


def _genuine(value: str, browser: str) -> dict | None:
    """A stamp's payload if the site signed it for this browser and it is current; else None."""
    if not value:
        return None
    signer = signing.TimestampSigner(salt=SALT)
    try:
        payload = signer.unsign_object(value, max_age=max_age())
        float(payload["t"])
        bound = str(payload["b"])
    except (signing.BadSignature, ValueError, KeyError, TypeError):
        return None
    return payload if constant_time_compare(bound, _digest("browser", browser)) else None


def read_stamp(value: str, browser: str, text: str) -> tuple[Stamp, float | None]:
    """
    What the stamp a submission carried says, and the seconds since its reader started writing.

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
    # Without a known start, the text was written before the post that asked for this stamp.
    if "u" not in payload and elapsed < settings.COMMENTS_MIN_SUBMIT_SECONDS:
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
