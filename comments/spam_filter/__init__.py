"""
The comments' side of the spam filter (the ``spam`` app): what it is shown of
a comment, what it is taught, and when.

- **What it reads** (``sample_of``): the text (its words, links and their
  domains, scripts, length), the website, the shape of the name, the browser's
  user agent, and whether it is a reply. Never the email address or anything
  derived from it, never the IP address.
- **Judging** (``judge_comment``, from ``comments.posting.intake.decide``): each new or
  edited comment gets a score, kept on it with the clues that weighed most
  for the desk. A confident filter sends a comment scoring from
  SPAM_THRESHOLD to spam ("Looks like spam (97%)."), holds one from
  SPAM_HOLD_THRESHOLD, and below that the staff's rules decide as
  before. Until it has been taught enough of both kinds it decides nothing.
- **Learning** (``learn``, from ``comments.moderation.change_status``): every
  decision staff make teaches it at once, replacing what an earlier decision
  on the same comment taught: approving teaches "genuine", marking as spam
  "spam", "Not spam" (spam back to pending) "genuine"; moving a comment back
  to pending otherwise (unapproving, restoring, an undo to pending) takes the
  lesson back, as the comment is undecided again; removing keeps what was
  taught, as a removal judges manners, not spam. An undo teaches what the
  status it restores teaches, and an undo back to pending takes the lesson
  back: undoing a decision on an undecided comment leaves the counts exactly
  as they were. What authors do (editing, withdrawing) and the site's own
  replies teach nothing.
- **Forgetting** (``forget``, from ``comments.privacy.erase_commenter``): an
  erased commenter's comments are taken back out of the counts.
- **Rebuilding** (``rebuild``, ``manage.py rebuild_spam_filter``): every
  recorded lesson learned again from the comments as they are now.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import batched

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection

from comments.models import Comment
from spam import filter as spam_filter
from spam.features import Sample

Status = Comment.Status
GENUINE = spam_filter.GENUINE
SPAM = spam_filter.SPAM
KEEP = "keep"  # a decision that leaves the lesson as it is

LOOKS_LIKE_SPAM = "Looks like spam ({percent}%)."
MIGHT_BE_SPAM = "Might be spam ({percent}%)."


def sample_of(comment: Comment) -> Sample:
    """What the filter may read of a comment: never its email or IP address."""
    return Sample(
        text=comment.body,
        name=comment.author_name,
        website=comment.author_url,
        user_agent=comment.user_agent,
        is_reply=comment.parent_id is not None,
    )


def judge_comment(comment: Comment) -> tuple[str, str] | None:
    """
    Score a new or edited comment, keeping the score and clues on it (not saved).

    The status and reason when the filter acts on its own, else None.
    """
    judgement = spam_filter.judge(sample_of(comment))
    keep(comment, judgement)
    if judgement.is_spam:
        return Status.SPAM, LOOKS_LIKE_SPAM.format(percent=judgement.percent)
    if judgement.is_doubtful:
        return Status.PENDING, MIGHT_BE_SPAM.format(percent=judgement.percent)
    return None


def keep(comment: Comment, judgement: spam_filter.Judgement) -> None:
    """Keep the score and its clues on the comment, for the desk (not saved)."""
    comment.spam_score = judgement.score
    comment.spam_signals = judgement.signals()


def lesson_for(before: str, after: str, *, undoing: bool) -> str | None:
    """What a decision moving a comment from ``before`` to ``after`` teaches (see above)."""
    if after == Status.APPROVED:
        return GENUINE
    if after == Status.SPAM:
        return SPAM
    if after == Status.PENDING:
        return GENUINE if before == Status.SPAM and not undoing else None
    return KEEP


def learn(
    changed: Iterable[Comment],
    previous: dict[int, str],
    status: str,
    *,
    by: AbstractBaseUser | None,
    undoing: bool = False,
) -> None:
    """Teach the filter the decision ``by`` made on these comments (``change_status``)."""
    if by is None:
        return  # An author's edit or withdrawal, or a script: nobody decided.
    undecided = []
    for comment in changed:
        if comment.by_site:
            continue
        lesson = lesson_for(previous[comment.pk], status, undoing=undoing)
        if lesson is None:
            undecided.append(comment)
        elif lesson != KEEP:
            spam_filter.teach(comment, sample_of(comment), lesson)
    spam_filter.take_back(undecided)


def forget(comment_ids: list[int]) -> int:
    """Take what these comments taught out of the filter (an erasure); how many lessons."""
    return spam_filter.take_back(Comment.objects.filter(pk__in=comment_ids).only("pk"))


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild learned, and how many held comments it scored again."""

    learned: spam_filter.Rebuilt
    rejudged: int


def rebuild(*, statuses: bool = False, relearn: bool = False) -> Rebuilt:
    """
    Count every recorded decision again; or, with ``relearn`` (or when the
    filter's features changed since they were read), learn each one again from
    its comment as it is now, under a new key.

    ``statuses`` also learns the comments nobody recorded a decision on from
    their status, approved as genuine and spam as spam (after importing a
    blog's history, whose statuses are its moderators' decisions); spam the
    intake caught itself (it has a reason) is left out, as nobody judged it.
    A comment deleted since its decision is not learned again (a recount keeps
    its lesson while the comment exists). Held comments are then judged again,
    so the desk shows scores from the new model.
    """
    if statuses or relearn or spam_filter.needs_relearning():
        recorded = spam_filter.lessons(Comment)
        rebuilt = spam_filter.rebuild(taught(recorded, statuses=statuses))
    else:
        rebuilt = spam_filter.recount()
    return Rebuilt(rebuilt, rejudged=rejudge(Comment.objects.held()))


READ = ["pk", "body", "author_name", "author_url", "user_agent", "parent_id", "by_site"]


def samples(comments, *extra: str) -> Iterator[tuple[int, Sample, tuple]]:
    """
    Each comment's id, sample and ``extra`` fields, read as plain values in chunks:
    a rebuild reads 100,000 comments without making a model instance of each.
    """
    for row in comments.values_list(*READ, *extra).iterator(chunk_size=2000):
        object_id, body, name, website, user_agent, parent_id, _, *rest = row
        sample = Sample(body, name, website, user_agent, is_reply=parent_id is not None)
        yield object_id, sample, tuple(rest)


def taught(
    recorded: list[tuple[int, str, object]], *, statuses: bool
) -> Iterator[spam_filter.Taught]:
    """The lessons to learn again, oldest first, each with its comment as it is now."""
    for chunk in batched(recorded, 2000, strict=False):
        wanted = Comment.objects.filter(pk__in=[object_id for object_id, _, _ in chunk])
        found = {object_id: sample for object_id, sample, _ in samples(wanted)}
        for object_id, label, taught_at in chunk:
            if object_id in found:
                yield spam_filter.Taught(Comment, object_id, label, found[object_id], taught_at)
    if not statuses:
        return
    known = {object_id for object_id, _, _ in recorded}
    decided = (
        Comment.objects.filter(status__in=[Status.APPROVED, Status.SPAM], by_site=False)
        .exclude(status=Status.SPAM, held_reason__gt="")
        .order_by("updated_at", "pk")
    )
    for object_id, sample, (status, updated_at) in samples(decided, "status", "updated_at"):
        if object_id not in known:
            label = GENUINE if status == Status.APPROVED else SPAM
            yield spam_filter.Taught(Comment, object_id, label, sample, updated_at)


def rejudge(comments) -> int:
    """
    Score these comments again with the model as it is now (their statuses stay).

    Read as plain values and written with one UPDATE per comment, without a model
    instance each: after a rebuild, thousands of held comments are scored again.
    """
    count = 0
    score_field = Comment._meta.get_field("spam_score")
    signals_field = Comment._meta.get_field("spam_signals")
    table = connection.ops.quote_name(Comment._meta.db_table)
    sql = f"UPDATE {table} SET spam_score = %s, spam_signals = %s WHERE id = %s"  # noqa: S608
    for chunk in batched(samples(comments), 500, strict=False):
        judgements = spam_filter.judge_many([sample for _, sample, _ in chunk])
        rows = [
            (
                score_field.get_db_prep_save(judgement.score, connection),
                signals_field.get_db_prep_save(judgement.signals(), connection),
                object_id,
            )
            for (object_id, _, _), judgement in zip(chunk, judgements, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        count += len(rows)
    return count
