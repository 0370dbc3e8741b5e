"""
The outbox's rules for Webmentions, in and out: claim once, retry with backoff, recover.

The same pattern as the emails' (comments/mail/delivery.py): a row is written
in the transaction that calls for the work, a django.tasks task carrying only
its id is queued once that commits, the task claims the row with one
conditional UPDATE (two workers never do one piece of work twice), and the
worker's round (``lib.worker``) queues again what a killed worker or web
process left, and what has come due (a retry, an article dated in the future).
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Model, Q
from django.utils import timezone

from lib import outbound
from mentions import conf
from mentions.models import Task

logger = logging.getLogger(__name__)


def is_temporary(refused: outbound.Refused) -> bool:
    """Whether a refused fetch may work later: the server unreachable or slow, not a rule."""
    return isinstance(refused.__cause__, OSError) or "too long" in refused.sentence


def send_later(model: type[Task], ids: Iterable[int], task) -> None:
    """Queue ``task`` for each row once this transaction commits; mark them queued now."""
    ids = list(ids)
    if not ids:
        return
    now = timezone.now()
    due = list(model.objects.filter(pk__in=ids, due_at__lte=now).values_list("pk", flat=True))
    model.objects.filter(pk__in=due).update(queued_at=now)
    transaction.on_commit(lambda: [enqueue(task, pk) for pk in due])


def enqueue(task, pk: int) -> None:
    """Queue one task; a queue that fails is logged, and the round queues it again later."""
    try:
        task.enqueue(pk)
    except Exception as error:
        logger.error("Could not queue %s %d: %s.", task.name, pk, type(error).__name__)


def claim(model: type[Task], pk: int) -> Model | None:
    """Take the row for this worker, or None: done, taken, not due, or out of attempts."""
    now = timezone.now()
    claimed = model.objects.filter(
        pk=pk, status=Task.Status.QUEUED, due_at__lte=now, attempts__lt=conf.attempts()
    ).update(status=Task.Status.WORKING, claimed_at=now, attempts=F("attempts") + 1)
    return model.objects.get(pk=pk) if claimed else None


def finish(row: Task, status: str, **fields) -> bool:
    """Record how the work went, unless someone queued the row again meanwhile."""
    return bool(
        type(row)
        .objects.filter(pk=row.pk, status=Task.Status.WORKING, claimed_at=row.claimed_at)
        .update(status=status, **fields)
    )


def try_again(row: Task, why: str) -> str:
    """Schedule the next attempt after a temporary failure, or give up after the last."""
    rows = type(row).objects.filter(pk=row.pk, status=Task.Status.WORKING)
    if row.attempts < conf.attempts():
        wait = conf.retry_seconds() * 2 ** (row.attempts - 1)
        due = timezone.now() + timedelta(seconds=wait)
        rows.update(status=Task.Status.QUEUED, due_at=due, queued_at=None, last_error=why[:200])
        logger.warning(
            "%s %d failed (attempt %d): %s; trying again in %d seconds.",
            type(row).__name__,
            row.pk,
            row.attempts,
            why,
            wait,
        )
        return "failed; trying again"
    rows.update(status=Task.Status.FAILED, last_error=why[:200])
    logger.error("%s %d failed for good: %s", type(row).__name__, row.pk, why)
    return "failed"


def recover(model: type[Task], task) -> int:
    """Queue again what a crash left and what has come due; return how many were queued."""
    now = timezone.now()
    expired = now - timedelta(seconds=conf.lease_seconds())
    interrupted = model.objects.filter(status=Task.Status.WORKING, claimed_at__lt=expired)
    interrupted.filter(attempts__gte=conf.attempts()).update(
        status=Task.Status.FAILED, last_error="Interrupted at every attempt."
    )
    interrupted.update(status=Task.Status.QUEUED, due_at=now, queued_at=None)
    due = model.objects.filter(status=Task.Status.QUEUED, due_at__lte=now).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=expired)
    )
    ids = list(due.order_by("due_at", "pk").values_list("pk", flat=True)[:1000])
    model.objects.filter(pk__in=ids).update(queued_at=now)
    for pk in ids:
        enqueue(task, pk)
    return len(ids)
