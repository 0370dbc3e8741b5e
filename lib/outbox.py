"""
The durable outbox's one rule: claim once, retry with a doubling wait, give up, recover.

The emails (comments/mail/delivery.py), the fediverse's deliveries
(federation/delivery.py) and the Webmentions (mentions/queue.py) each keep a
table of work: a row written in the same transaction as what calls for it,
and a django.tasks task carrying only its id, queued once that commits. An
``Outbox`` is the mechanics they share; each app keeps its policy (its
settings, its words for the log, what counts as a temporary failure, how the
work is done) and calls these:

- ``send_later``: mark the rows that are due queued, in the caller's
  transaction, and queue their tasks once it commits;
- ``claim``: take a row for this worker with one conditional UPDATE (queued →
  working, one more attempt), so two workers never do one piece of work;
- ``finish``: record the outcome, only while the row is still this worker's;
- ``try_again`` after a temporary failure: queued again after
  ``retry_seconds``, doubling each time, until ``attempts`` are spent, then
  ``failed``: failed for good;
- ``recover``, run by the worker's round (lib/worker.py): a row a worker took
  and did not finish within ``lease_seconds`` (the worker was killed) is queued
  again, or failed if that was its last attempt; a queued row whose task never
  reached the queue, or whose retry has come due, gets a task.

The model has ``status`` ("queued", the outbox's ``working``, "failed" and the
app's own outcomes), ``due_at``, ``queued_at``, ``claimed_at``, ``attempts``
and ``last_error`` (200 characters). This module imports nothing of an app
(lib is the bottom layer). The log names a row by its label and id only,
never what it carries (an address).
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Model, Q
from django.tasks import Task
from django.utils import timezone

QUEUED = "queued"
FAILED = "failed"
# What recover looks at in one round, oldest due first; the next round takes the rest.
RECOVERED_PER_ROUND = 1000


@dataclass(frozen=True)
class Outbox:
    """One app's outbox: its model, its task, and its policy (read when used)."""

    model: type[Model]
    task: Task
    # How the log names a row, "email delivery": "Email delivery 12 failed …".
    label: str
    logger: logging.Logger
    attempts: Callable[[], int]
    retry_seconds: Callable[[], float]
    lease_seconds: Callable[[], float]
    # The status of a row a worker holds ("sending", "working").
    working: str
    # Whether the app may queue a row again while a worker holds it (a Webmention sent
    # again): then only the worker with the latest claim may finish it.
    fenced: bool = False

    def named(self) -> str:
        """The label at the start of a sentence: "Email delivery"."""
        return self.label[:1].upper() + self.label[1:]

    def send_later(self, ids: Iterable[int]) -> list[int]:
        """
        Queue each due row's task once this transaction commits; mark them queued now.

        ``recover`` leaves a marked row alone while its task may be on its way,
        and takes it up if that task never reached the queue (the process died
        first). A row not due yet is left to ``recover`` too. Returns the ids queued.
        """
        ids = list(ids)
        if not ids:
            return []
        now = timezone.now()
        rows = self.model.objects.filter(pk__in=ids, due_at__lte=now)
        due = list(rows.values_list("pk", flat=True))
        self.model.objects.filter(pk__in=due).update(queued_at=now)
        transaction.on_commit(lambda: [self.enqueue(pk) for pk in due])
        return due

    def enqueue(self, pk: int) -> None:
        """Queue one row's task; a queue that fails is logged, never raised (recovered later)."""
        try:
            self.task.enqueue(pk)
        except Exception as error:
            self.logger.error("Could not queue %s %d: %s.", self.label, pk, type(error).__name__)

    def claim(self, pk: int, *related: str) -> Model | None:
        """
        Take the row for this worker (its ``related`` fields loaded), or None.

        None: done, cancelled or taken already (a task queued twice), not due
        yet, or out of attempts.
        """
        now = timezone.now()
        claimed = self.model.objects.filter(
            pk=pk, status=QUEUED, due_at__lte=now, attempts__lt=self.attempts()
        ).update(status=self.working, claimed_at=now, attempts=F("attempts") + 1)
        if not claimed:
            return None
        rows = self.model.objects.select_related(*related) if related else self.model.objects
        return rows.get(pk=pk)

    def finish(self, row: Model, status: str, **fields) -> bool:
        """Record how the work went, unless the row is no longer this worker's."""
        held = self.model.objects.filter(pk=row.pk, status=self.working)
        if self.fenced:
            held = held.filter(claimed_at=row.claimed_at)
        return bool(held.update(status=status, **fields))

    def try_again(self, row: Model, why: str) -> str:
        """After a temporary failure: the next attempt, after a doubling wait, or failed."""
        attempts = self.attempts()
        if row.attempts >= attempts:
            return self.failed(row, why)
        wait = self.retry_seconds() * 2 ** (row.attempts - 1)
        due = timezone.now() + timedelta(seconds=wait)
        self.model.objects.filter(pk=row.pk, status=self.working).update(
            status=QUEUED, due_at=due, queued_at=None, last_error=why[:200]
        )
        self.logger.warning(
            "%s %d failed (attempt %d of %d): %s; trying again in %d seconds.",
            self.named(),
            row.pk,
            row.attempts,
            attempts,
            why.rstrip("."),
            wait,
        )
        return "failed; trying again"

    def failed(self, row: Model, why: str) -> str:
        """Give up on the row: failed for good, and why (never what it carries)."""
        self.model.objects.filter(pk=row.pk, status=self.working).update(
            status=FAILED, last_error=why[:200]
        )
        self.logger.error(
            "%s %d failed for good (attempt %d of %d): %s.",
            self.named(),
            row.pk,
            row.attempts,
            self.attempts(),
            why.rstrip("."),
        )
        return "failed"

    def recover(self) -> int:
        """
        Queue again what a crash left and what has come due; return how many were queued.

        Safe to run from any number of workers at once: a row queued twice is
        done once (``claim``).
        """
        now = timezone.now()
        expired = now - timedelta(seconds=self.lease_seconds())
        rows = self.model.objects
        interrupted = rows.filter(status=self.working, claimed_at__lt=expired)
        for pk, attempts in interrupted.values_list("pk", "attempts"):
            self.logger.warning(
                "%s %d was interrupted (attempt %d); its worker stopped.",
                self.named(),
                pk,
                attempts,
            )
        interrupted.filter(attempts__gte=self.attempts()).update(
            status=FAILED, last_error="Interrupted at every attempt."
        )
        interrupted.update(status=QUEUED, due_at=now, queued_at=None)
        due = rows.filter(status=QUEUED, due_at__lte=now).filter(
            Q(queued_at__isnull=True) | Q(queued_at__lt=expired)
        )
        ids = list(due.order_by("due_at", "pk").values_list("pk", flat=True)[:RECOVERED_PER_ROUND])
        rows.filter(pk__in=ids).update(queued_at=now)
        for pk in ids:
            self.enqueue(pk)
        return len(ids)
