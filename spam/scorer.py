"""
How counts become a score: Gary Robinson's method, as SpamBayes uses it.

Each feature seen before has a spam probability from how often it came with
spam and with genuine comments, each count taken relative to its class (so a
blog with ten times more spam than comments does not see spam everywhere),
and pulled towards 0.5 while the feature is rare (``STRENGTH``). The features
that lean most one way or the other (at most ``MAX_CLUES``, each leaning at
least ``MIN_LEAN``) are combined with Fisher's chi-square method twice: how
sure it is of spam, how sure of a genuine comment. The score is their balance:
near 1 spam, near 0 genuine, near 0.5 when the evidence is weak or torn.

Unlike naive Bayes, which multiplies every clue and is certain of everything,
this stays unsure when clues conflict, which is what a threshold needs.
Constants are SpamBayes' defaults (Robinson 2003, "A statistical approach to
the spam problem"; spambayes/Options.py), not tuned here.

Pure: counts in, a number out.
"""

import math
from dataclasses import dataclass

STRENGTH = 0.45  # How much a feature seen once is believed: SpamBayes' unknown_word_strength.
NEUTRAL = 0.5  # A feature never seen: no evidence either way.
MIN_LEAN = 0.1  # Clues leaning less than this from 0.5 are left out.
MAX_CLUES = 150  # At most this many clues per comment.


@dataclass(frozen=True)
class Clue:
    """One feature's evidence: how many spam and genuine comments had it, and its lean."""

    key: str
    spam: int
    genuine: int
    probability: float


def probability(spam: int, genuine: int, spam_total: int, genuine_total: int) -> float:
    """A feature's spam probability, each count relative to its class, shrunk while rare."""
    spam_ratio = spam / spam_total if spam_total else 0.0
    genuine_ratio = genuine / genuine_total if genuine_total else 0.0
    if spam_ratio + genuine_ratio == 0:
        return NEUTRAL
    raw = spam_ratio / (spam_ratio + genuine_ratio)
    seen = spam + genuine
    return (STRENGTH * NEUTRAL + seen * raw) / (STRENGTH + seen)


def chi2_survival(chi2: float, degrees: int) -> float:
    """P(X > chi2) for a chi-square variable with an even number of degrees of freedom."""
    half = chi2 / 2.0
    term = total = math.exp(-half)
    for index in range(1, degrees // 2):
        term *= half / index
        total += term
    return min(total, 1.0)


def clues(counts: dict[str, tuple[int, int]], spam_total: int, genuine_total: int) -> list[Clue]:
    """The features that lean, strongest first, at most ``MAX_CLUES``."""
    found = []
    for key, (spam, genuine) in counts.items():
        if spam + genuine == 0:
            continue
        lean = probability(spam, genuine, spam_total, genuine_total)
        if abs(lean - NEUTRAL) >= MIN_LEAN:
            found.append(Clue(key, spam, genuine, lean))
    # Ties broken by key, so that the same comment always gets the same clues.
    found.sort(key=lambda clue: (-abs(clue.probability - NEUTRAL), clue.key))
    return found[:MAX_CLUES]


def combine(probabilities: list[float]) -> float:
    """
    Robinson's combined score of the clues: 0 genuine, 1 spam, 0.5 unsure.

    Logarithms are summed (not the products taken): a thousand clues do not
    underflow.
    """
    if not probabilities:
        return NEUTRAL
    spam_log = genuine_log = 0.0
    for value in probabilities:
        value = min(max(value, 1e-6), 1 - 1e-6)
        spam_log += math.log(1.0 - value)
        genuine_log += math.log(value)
    degrees = 2 * len(probabilities)
    spam_sure = 1.0 - chi2_survival(-2.0 * spam_log, degrees)
    genuine_sure = 1.0 - chi2_survival(-2.0 * genuine_log, degrees)
    return (spam_sure - genuine_sure + 1.0) / 2.0
