"""
Avatars that say nothing about the commenter's email address.

Gravatar publishes an unkeyed hash of the email, which anyone can match
against a list of addresses. Here an avatar is the name's initials on one of a
few colours; the colour comes from a hash keyed with the site's secret, so it
cannot be computed, let alone reversed, from outside.
"""

from dataclasses import dataclass

from django.utils.crypto import salted_hmac

PALETTE_SIZE = 12


@dataclass(frozen=True)
class Avatar:
    initials: str
    colour: int


def avatar_for(name: str, email_hash: str) -> Avatar:
    """
    Initials of the first two words of the name, and a colour index.

    The colour comes from the comment's keyed email hash (never the address),
    hashed again with the site's secret: the page needs no decrypted email.
    """
    words = name.split()
    initials = "".join(word[0] for word in words[:2]).upper() or "?"
    digest = salted_hmac("comments.avatar", email_hash, algorithm="sha256").digest()
    return Avatar(initials=initials, colour=digest[0] % PALETTE_SIZE)
