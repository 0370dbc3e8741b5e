"""
What a reader typed into the search box, read as words and "quoted phrases".

Every article found holds every word and every phrase (its words side by
side), stemmed: ``cramp`` finds "cramps". Nothing typed is ever an operator of
the database's query language: ``NEAR``, ``OR``, ``-``, ``*``, ``"`` and the
rest are words, or punctuation that separates words, so no input can make the
query fail. What cannot be searched is refused with a sentence (``Refusal``):
too long, too many words, or no word at all.
"""

import re
from dataclasses import dataclass

from lib.refusal import Refusal

MAX_LENGTH = 200
MAX_WORDS = 12

# A quoted phrase (an unclosed quote runs to the end), or a run of anything else.
CHUNK = re.compile(r'"([^"]*)(?:"|$)|([^\s"]+)')
# A word as SQLite's unicode61 tokenizer splits it: letters and digits of any script.
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Terms:
    """The phrases to find, each a tuple of words (a single word is a phrase of one)."""

    phrases: tuple[tuple[str, ...], ...]

    def words(self) -> list[str]:
        return [word for phrase in self.phrases for word in phrase]

    def fts5(self) -> str:
        """An FTS5 query: each phrase a quoted string of plain words, all of them required."""
        return " ".join('"' + " ".join(phrase) + '"' for phrase in self.phrases)


def read_terms(typed: str) -> Terms | None:
    """The terms in a search; None when nothing was typed, a ``Refusal`` when unusable."""
    typed = typed.strip()
    if not typed:
        return None
    if len(typed) > MAX_LENGTH:
        raise Refusal(
            f"A search can be up to {MAX_LENGTH} characters, and this one has {len(typed):,}. "
            "Try a few of its most telling words.",
            400,
        )
    phrases = []
    for match in CHUNK.finditer(typed):
        words = WORD.findall(match.group(1) if match.group(1) is not None else match.group(2))
        if not words:
            continue
        if match.group(1) is not None:
            phrases.append(tuple(words))
        else:  # Unquoted, "foot-cramps" is two words anywhere, not a phrase.
            phrases.extend((word,) for word in words)
    terms = Terms(tuple(dict.fromkeys(phrases)))
    if not terms.phrases:
        raise Refusal(
            "There is no word to search for in that: punctuation and symbols alone find "
            "nothing. Type a word or two.",
            400,
        )
    if len(terms.words()) > MAX_WORDS:
        raise Refusal(
            f"A search can have up to {MAX_WORDS} words, and this one has "
            f"{len(terms.words())}. Keep the few that matter most.",
            400,
        )
    return terms
