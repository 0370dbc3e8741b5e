"""
Avatars that say nothing about the commenter's email address.

Gravatar publishes an unkeyed hash of the email, which anyone can match
against a list of addresses. Here an avatar is the name's initials on one of a
few colours, and both come from the name shown beside it and nothing else: two
people called Robin Gray look alike, and one person writing under two names
does not, so an avatar can neither confirm a guessed address nor link comments
that the names do not already link.
"""

import hashlib
from dataclasses import dataclass

PALETTE_SIZE = 12


@dataclass(frozen=True)
class Avatar:
    initials: str
    colour: int


def avatar_for(name: str) -> Avatar:
    """Initials of the first two words of the name, and a colour index from the name."""
    words = name.split()
    initials = "".join(word[0] for word in words[:2]).upper() or "?"
    digest = hashlib.sha256(" ".join(words).casefold().encode()).digest()
    return Avatar(initials=initials, colour=digest[0] % PALETTE_SIZE)
