"""
lib/outbox.py: the one rule every outbox follows, proved once on a real table.

The table is the Webmentions' (``mentions.models.Received``), with a policy of
the test's own: 4 attempts, a wait of 60 seconds doubling, a 120-second lease.
The task is never run: a dummy queue keeps what was queued, so each test reads
which rows got a task. The emails', the fediverse's and the Webmentions' own
tests show each app's policy on top (tests/comments, tests/federation,
tests/mentions).
"""

import dataclasses
import logging
from datetime import timedelta

import pytest
from django.tasks import task, task_backends
from django.tasks.backends.dummy import DummyBackend
from django.utils import timezone

from lib.outbox import Outbox
from mentions.models import Received
from tests.conftest import reset_task_backends

pytestmark = pytest.mark.django_db

ATTEMPTS, RETRY_SECONDS, LEASE_SECONDS = 4, 60, 120
WORKING = Received.Status.WORKING
logger = logging.getLogger("tests.lib.outbox")


@task
def work(pk: int) -> None:
    """The task the test's outbox queues; the dummy queue never runs it."""


OUTBOX = Outbox(
    model=Received,
    task=work,
    label="test row",
    logger=logger,
    attempts=lambda: ATTEMPTS,
    retry_seconds=lambda: RETRY_SECONDS,
    lease_seconds=lambda: LEASE_SECONDS,
    working=WORKING,
)


class UnreachableQueue(DummyBackend):
    """A task queue that cannot take anything."""

    def enqueue(self, task, args, kwargs):
        raise ConnectionRefusedError("The queue is down.")


@pytest.fixture(autouse=True)
def _queue_that_keeps_tasks(settings):
    """Tasks are kept, not run: ``queued()`` says which rows got one."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    reset_task_backends()


def queued() -> list[int]:
    return [result.args[0] for result in task_backends["default"].results]


def row(article, number: int = 1, **fields) -> Received:
    return Received.objects.create(
        source=f"https://elsewhere.example/{number}",
        target=article.get_full_url(),
        article=article,
        **fields,
    )


def ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


def test_two_workers_claim_a_row_once(seed_article):
    """One row's task run by two workers: one conditional UPDATE wins, the other finds none."""
    waiting = row(seed_article)
    first, second = OUTBOX.claim(waiting.pk), OUTBOX.claim(waiting.pk)
    assert (first.status, first.attempts) == (WORKING, 1)
    assert first.claimed_at is not None
    assert second is None
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == (WORKING, 1)


def test_a_row_not_due_or_out_of_attempts_is_not_claimed(seed_article):
    """Its retry later, its attempts spent, or done: nothing to claim, nothing counted."""
    later = row(seed_article, 1, due_at=timezone.now() + timedelta(hours=1))
    spent = row(seed_article, 2, attempts=ATTEMPTS)
    done = row(seed_article, 3, status=Received.Status.SENT)
    assert [OUTBOX.claim(pk) for pk in (later.pk, spent.pk, done.pk)] == [None, None, None]
    assert list(Received.objects.values_list("attempts", flat=True).order_by("pk")) == [0, 4, 0]


def test_each_temporary_failure_doubles_the_wait_until_the_last_attempt(seed_article, caplog):
    """60, 120, 240 seconds; the fourth failure is failed for good, and never claimed again."""
    failing = row(seed_article)
    waits, outcomes = [], []
    with caplog.at_level(logging.INFO, logger=logger.name):
        for _attempt in range(ATTEMPTS):
            claimed = OUTBOX.claim(failing.pk)
            before = timezone.now()
            outcomes.append(OUTBOX.try_again(claimed, "The source answered 503."))
            failing.refresh_from_db()
            if failing.status == Received.Status.QUEUED:
                assert failing.queued_at is None  # the round queues it when it is due
                waits.append(round((failing.due_at - before).total_seconds()))
                Received.objects.filter(pk=failing.pk).update(due_at=timezone.now())
    assert waits == [60, 120, 240]
    assert outcomes == ["failed; trying again"] * 3 + ["failed"]
    assert (failing.status, failing.attempts) == (Received.Status.FAILED, ATTEMPTS)
    assert failing.last_error == "The source answered 503."
    assert OUTBOX.claim(failing.pk) is None
    assert OUTBOX.recover() == 0
    assert caplog.messages[0] == (
        f"Test row {failing.pk} failed (attempt 1 of 4): The source answered 503; "
        "trying again in 60 seconds."
    )
    assert caplog.messages[-1] == (
        f"Test row {failing.pk} failed for good (attempt 4 of 4): The source answered 503."
    )


def test_a_permanent_failure_is_failed_at_once(seed_article):
    refused = row(seed_article)
    assert OUTBOX.failed(OUTBOX.claim(refused.pk), "x" * 300) == "failed"
    refused.refresh_from_db()
    assert (refused.status, refused.attempts, refused.last_error) == ("failed", 1, "x" * 200)


def test_finish_records_the_outcome_while_the_row_is_the_workers(seed_article):
    """Done once: a row finished, or queued again meanwhile, is not finished again."""
    first = row(seed_article, 1)
    claimed = OUTBOX.claim(first.pk)
    assert OUTBOX.finish(claimed, Received.Status.SENT, last_error="")
    assert not OUTBOX.finish(claimed, Received.Status.CANCELLED)
    second = row(seed_article, 2)
    claimed = OUTBOX.claim(second.pk)
    Received.objects.filter(pk=second.pk).update(status=Received.Status.QUEUED)
    assert not OUTBOX.finish(claimed, Received.Status.SENT)
    assert Received.objects.get(pk=second.pk).status == Received.Status.QUEUED


def test_a_fenced_outbox_lets_only_the_latest_claim_finish(seed_article):
    """Queued again while a worker held it, and claimed by another: the first one's word is void."""
    fenced = dataclasses.replace(OUTBOX, fenced=True)
    again = row(seed_article)
    stale = fenced.claim(again.pk)
    Received.objects.filter(pk=again.pk).update(status=Received.Status.QUEUED)
    fresh = fenced.claim(again.pk)
    assert fresh.claimed_at != stale.claimed_at
    assert not fenced.finish(stale, Received.Status.SENT)
    assert fenced.finish(fresh, Received.Status.SENT)
    # Unfenced (emails, the fediverse: nothing queues a row again but the recovery),
    # the row is whoever holds it.
    other = row(seed_article, 2)
    stale = OUTBOX.claim(other.pk)
    Received.objects.filter(pk=other.pk).update(status=Received.Status.QUEUED)
    OUTBOX.claim(other.pk)
    assert OUTBOX.finish(stale, Received.Status.SENT)


def test_recover_takes_up_a_row_whose_worker_was_killed(seed_article, caplog):
    """Held past the lease: queued again and given a task; held past its last attempt: failed."""
    killed = row(seed_article, 1)
    OUTBOX.claim(killed.pk)
    Received.objects.filter(pk=killed.pk).update(claimed_at=ago(LEASE_SECONDS / 2))
    assert OUTBOX.recover() == 0  # its worker may still be at it
    assert Received.objects.get(pk=killed.pk).status == WORKING
    last = row(seed_article, 2, status=WORKING, attempts=ATTEMPTS)
    Received.objects.update(claimed_at=ago(LEASE_SECONDS + 1))
    with caplog.at_level(logging.WARNING, logger=logger.name):
        assert OUTBOX.recover() == 1
    assert queued() == [killed.pk]
    killed.refresh_from_db()
    assert (killed.status, killed.attempts) == (Received.Status.QUEUED, 1)
    assert killed.queued_at is not None
    assert OUTBOX.claim(killed.pk).attempts == 2
    last.refresh_from_db()
    assert (last.status, last.last_error) == ("failed", "Interrupted at every attempt.")
    assert f"Test row {killed.pk} was interrupted (attempt 1); its worker stopped." in (
        caplog.messages
    )


def test_recover_queues_what_has_come_due_and_what_the_queue_lost(seed_article):
    """Not what is not due yet, nor a task still on its way (queued less than a lease ago)."""
    lost = row(seed_article, 1)  # its web process died before the enqueue
    retry_due = row(seed_article, 2, queued_at=None, due_at=ago(1))
    on_its_way = row(seed_article, 3, queued_at=ago(LEASE_SECONDS / 2))
    never_ran = row(seed_article, 4, queued_at=ago(LEASE_SECONDS + 1))
    row(seed_article, 5, due_at=timezone.now() + timedelta(hours=1))
    row(seed_article, 6, status=Received.Status.SENT)
    assert OUTBOX.recover() == 3
    assert queued() == [retry_due.pk, lost.pk, never_ran.pk]  # the longest due first
    assert on_its_way.pk not in queued()
    assert OUTBOX.recover() == 0  # each is marked queued: its task is on its way


def test_send_later_queues_due_rows_once_the_transaction_commits(
    seed_article, django_capture_on_commit_callbacks
):
    """Marked queued in the transaction, queued after it; a row not due is the round's."""
    due = row(seed_article, 1)
    later = row(seed_article, 2, due_at=timezone.now() + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert OUTBOX.send_later([due.pk, later.pk]) == [due.pk]
        assert queued() == []
    assert queued() == [due.pk]
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.queued_at is not None and later.queued_at is None
    assert OUTBOX.send_later([]) == []


def test_a_queue_that_fails_is_logged_never_raised(seed_article, settings, caplog):
    """The row is kept, and the round queues it again later."""
    settings.TASKS = {"default": {"BACKEND": f"{__name__}.UnreachableQueue"}}
    reset_task_backends()
    kept = row(seed_article)
    with caplog.at_level(logging.ERROR, logger=logger.name):
        OUTBOX.enqueue(kept.pk)
    assert caplog.messages == [f"Could not queue test row {kept.pk}: ConnectionRefusedError."]
