"""
Delivering the blog's activities to other servers, so that no crash loses one or
sends it twice: the email outbox's pattern (comments/mail/delivery.py), for inboxes.

Each activity to each inbox is an ``Outgoing`` row, written in the same
transaction as what calls for it, unique per (activity, inbox): asking twice
delivers once. Once that commits, a django.tasks task carrying only the row's
id goes to the queue, and the email worker (``manage.py email_worker``) runs
it: it claims the row (queued → sending) with one conditional UPDATE, POSTs
the activity signed with the blog's key through ``lib.outbound.fetch``, and
marks it sent. A server that is down, slow, or answers 5xx, 408 or 429 is tried
again after ``FEDIVERSE_RETRY_SECONDS``, doubling, ``FEDIVERSE_ATTEMPTS`` times;
any other 4xx fails at once. ``recover`` (run by the email worker every few
seconds, through ``lib.worker.worker_round``) queues again what a
killed worker or web process left behind.
"""

import json
import logging
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.dispatch import receiver
from django.tasks import task
from django.utils import timezone

from federation import conf
from federation.models import Outgoing, Seen, site_key
from federation.signatures import sign
from lib.outbound import Refused, fetch
from lib.worker import worker_round

logger = logging.getLogger(__name__)

RETRIED = {408, 429}


def deliver_to(inboxes: Iterable[str], activity: dict) -> list[Outgoing]:
    """
    Keep ``activity`` for each inbox (each once), and queue them after the commit.

    Call inside the transaction that decides it.
    """
    rows = [
        Outgoing(inbox=inbox, activity_id=activity["id"], activity=activity)
        for inbox in dict.fromkeys(inboxes)
    ]
    if not rows:
        return []
    Outgoing.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    now = timezone.now()
    fresh = Outgoing.objects.filter(
        activity_id=activity["id"], status=Outgoing.Status.QUEUED, queued_at__isnull=True
    )
    ids = list(fresh.values_list("pk", flat=True))
    Outgoing.objects.filter(pk__in=ids).update(queued_at=now)
    transaction.on_commit(lambda: [enqueue(pk) for pk in ids])
    return rows


def enqueue(outgoing_id: int) -> None:
    """Queue one delivery's task; a queue that fails is logged, and ``recover`` tries later."""
    try:
        deliver.enqueue(outgoing_id)
    except Exception as error:
        logger.error(
            "Could not queue fediverse delivery %d: %s.", outgoing_id, type(error).__name__
        )


@task
def deliver(outgoing_id: int) -> str:
    """POST one activity to one inbox, at most once at a time, and record how it went."""
    now = timezone.now()
    claimed = Outgoing.objects.filter(
        pk=outgoing_id,
        status=Outgoing.Status.QUEUED,
        due_at__lte=now,
        attempts__lt=conf.attempts(),
    ).update(status=Outgoing.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "nothing to do"
    row = Outgoing.objects.get(pk=outgoing_id)
    body = json.dumps(row.activity).encode()
    headers = {
        "Content-Type": "application/activity+json",
        **sign("POST", row.inbox, conf.key_id(), site_key().private_key_pem, body),
    }
    try:
        response = fetch(
            row.inbox,
            method="POST",
            body=body,
            headers=headers,
            max_bytes=64 * 1024,
            timeout=conf.FETCH_TIMEOUT_SECONDS,
            follow_redirects=False,
        )
    except Refused as error:
        return failed(row, error.sentence[:200], temporary=True)
    if 200 <= response.status < 300:
        rows = Outgoing.objects.filter(pk=row.pk, status=Outgoing.Status.SENDING)
        rows.update(status=Outgoing.Status.SENT, sent_at=timezone.now(), last_error="")
        logger.info("Fediverse delivery %d sent (attempt %d).", row.pk, row.attempts)
        return "sent"
    temporary = response.status >= 500 or response.status in RETRIED
    return failed(row, f"The inbox answered {response.status}.", temporary=temporary)


def failed(row: Outgoing, why: str, *, temporary: bool) -> str:
    rows = Outgoing.objects.filter(pk=row.pk, status=Outgoing.Status.SENDING)
    if temporary and row.attempts < conf.attempts():
        wait = conf.retry_seconds() * 2 ** (row.attempts - 1)
        due = timezone.now() + timedelta(seconds=wait)
        rows.update(status=Outgoing.Status.QUEUED, due_at=due, queued_at=None, last_error=why)
        logger.warning(
            "Fediverse delivery %d failed (attempt %d): %s Trying again in %d seconds.",
            row.pk,
            row.attempts,
            why,
            wait,
        )
        return "failed; trying again"
    rows.update(status=Outgoing.Status.FAILED, last_error=why)
    logger.error("Fediverse delivery %d failed for good: %s", row.pk, why)
    return "failed"


def recover() -> int:
    """Queue again what a crash or a failure left behind; return how many tasks were queued."""
    now = timezone.now()
    expired = now - timedelta(seconds=conf.lease_seconds())
    interrupted = Outgoing.objects.filter(status=Outgoing.Status.SENDING, claimed_at__lt=expired)
    interrupted.filter(attempts__gte=conf.attempts()).update(
        status=Outgoing.Status.FAILED, last_error="Interrupted at every attempt."
    )
    interrupted.update(status=Outgoing.Status.QUEUED, due_at=now, queued_at=None)
    due = Outgoing.objects.filter(status=Outgoing.Status.QUEUED, due_at__lte=now).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=expired)
    )
    ids = list(due.order_by("due_at", "pk").values_list("pk", flat=True)[:1000])
    Outgoing.objects.filter(pk__in=ids).update(queued_at=now)
    for pk in ids:
        enqueue(pk)
    # An activity id is remembered while a copy of it could still pass the Date check.
    Seen.objects.filter(received_at__lt=now - timedelta(days=1)).delete()
    return len(ids)


@receiver(worker_round)
def recover_with_the_worker(**kwargs) -> None:
    recover()
