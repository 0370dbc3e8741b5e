"""
The spam filter on the desk: each comment's score and what weighed most, the
"Likely spam" filter, the score column to sort by, and a line saying how much
the filter has learned. The filter itself is comments/spam_filter/__init__.py.
"""

from django.contrib import admin
from django.utils.html import format_html

from comments.models import Comment
from spam import filter as spam_filter


def level(score: float) -> str:
    """Where a score stands against the thresholds: "spam", "doubtful" or "genuine"."""
    if score >= spam_filter.spam_threshold():
        return "spam"
    if score >= spam_filter.hold_threshold():
        return "doubtful"
    return "genuine"


LEVEL_WORDS = {"spam": "likely spam", "doubtful": "might be spam", "genuine": "likely genuine"}


def spam_context(comment: Comment) -> dict | None:
    """What the desk shows of a comment's spam score, or None if it was never scored."""
    if comment.spam_score is None:
        return None
    signals = [signal for signal in comment.spam_signals if isinstance(signal, dict)]
    # Nothing the filter had learned applied (a filter that has seen nothing): no verdict.
    known = bool(signals)
    return {
        "percent": spam_filter.percent(comment.spam_score),
        "level": level(comment.spam_score) if known else "unknown",
        "words": LEVEL_WORDS[level(comment.spam_score)] if known else "no clue learned yet",
        "towards_spam": [s for s in signals if s.get("lean", 0.5) >= 0.5],
        "towards_genuine": [s for s in signals if s.get("lean", 0.5) < 0.5],
    }


def learning_sentence() -> str:
    """How much the filter has learned, and whether it acts on its own yet."""
    state = spam_filter.state()
    needed = spam_filter.min_decisions()
    learned = (
        f"The spam filter has learned from {state.spam} spam and {state.genuine} genuine decisions."
    )
    if state.spam >= needed and state.genuine >= needed:
        spam_at = spam_filter.percent(spam_filter.spam_threshold())
        hold_at = spam_filter.percent(spam_filter.hold_threshold())
        return (
            f"{learned} It sends comments scoring {spam_at}% or more to spam, "
            f"and holds those from {hold_at}%."
        )
    return f"{learned} Until it has {needed} of each, it only shows scores and decides nothing."


class SpamScoreFilter(admin.SimpleListFilter):
    """Comments by what the spam filter made of them: "Likely spam" first."""

    title = "spam score"
    parameter_name = "spam"
    LIKELY, UNLIKELY, UNSCORED = "likely", "unlikely", "unscored"

    def lookups(self, request, model_admin):
        hold = spam_filter.percent(spam_filter.hold_threshold())
        return [
            (self.LIKELY, f"Likely spam ({hold}% or more)"),
            (self.UNLIKELY, f"Likely genuine (under {hold}%)"),
            (self.UNSCORED, "Not scored"),
        ]

    def queryset(self, request, queryset):
        hold = spam_filter.hold_threshold()
        if self.value() == self.LIKELY:
            return queryset.filter(spam_score__gte=hold)
        if self.value() == self.UNLIKELY:
            return queryset.filter(spam_score__lt=hold)
        if self.value() == self.UNSCORED:
            return queryset.filter(spam_score__isnull=True)
        return queryset


@admin.display(description="spam score", ordering="spam_score")
def spam_score_column(comment: Comment) -> str:
    """The score, sortable: the desk's "Likely spam" sort."""
    if comment.spam_score is None:
        return "—"
    return format_html(
        '<span class="desk-score desk-score-{}">{}%</span>',
        level(comment.spam_score),
        spam_filter.percent(comment.spam_score),
    )
