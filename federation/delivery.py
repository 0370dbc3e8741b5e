"""
Delivering the blog's activities to other servers, so that no crash loses one or
sends it twice: the outbox's rule (lib/outbox.py, the emails' too), for inboxes.

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
killed worker or web process left behind. The claim, the doubling wait and the
recovery are ``OUTBOX``'s (lib/outbox.py); this module is the fediverse's
policy for them (federation/conf.py's settings, what an inbox's answer means)
and the signed POST.
"""

import json
import logging
from collections.abc import Iterable
from datetime import timedelta

from django.dispatch import receiver
from django.tasks import task
from django.utils import timezone

from federation import conf
from federation.models import Outgoing, Seen, site_key
from federation.signatures import sign
from lib.outbound import Refused, fetch
from lib.outbox import Outbox
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
    fresh = Outgoing.objects.filter(
        activity_id=activity["id"], status=Outgoing.Status.QUEUED, queued_at__isnull=True
    )
    OUTBOX.send_later(fresh.values_list("pk", flat=True))
    return rows


@task
def deliver(outgoing_id: int) -> str:
    """POST one activity to one inbox, at most once at a time, and record how it went."""
    row = OUTBOX.claim(outgoing_id)
    if row is None:
        return "nothing to do"
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
        return OUTBOX.try_again(row, error.sentence)
    if 200 <= response.status < 300:
        OUTBOX.finish(row, Outgoing.Status.SENT, sent_at=timezone.now(), last_error="")
        logger.info("Fediverse delivery %d sent (attempt %d).", row.pk, row.attempts)
        return "sent"
    why = f"The inbox answered {response.status}."
    if response.status >= 500 or response.status in RETRIED:
        return OUTBOX.try_again(row, why)
    return OUTBOX.failed(row, why)


# The fediverse's policy for lib/outbox.py's rule (federation/conf.py), read when used.
OUTBOX = Outbox(
    model=Outgoing,
    task=deliver,
    label="fediverse delivery",
    logger=logger,
    attempts=conf.attempts,
    retry_seconds=conf.retry_seconds,
    lease_seconds=conf.lease_seconds,
    working=Outgoing.Status.SENDING,
)


def recover() -> int:
    """Queue again what a crash or a failure left behind; return how many tasks were queued."""
    queued = OUTBOX.recover()
    # An activity id is remembered while a copy of it could still pass the Date check.
    Seen.objects.filter(received_at__lt=timezone.now() - timedelta(days=1)).delete()
    return queued


@receiver(worker_round)
def recover_with_the_worker(**kwargs) -> None:
    recover()
