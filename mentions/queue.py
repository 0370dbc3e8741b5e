"""
The Webmentions' outbox policy, in and out: its settings, its status, what is temporary.

The rule is lib/outbox.py's, the emails' and the fediverse's too: a row is
written in the transaction that calls for the work, a django.tasks task
carrying only its id is queued once that commits, the task claims the row with
one conditional UPDATE (two workers never do one piece of work twice), and
the worker's round (``lib.worker``, mentions/worker.py) queues again what a
killed worker or web process left, and what has come due (a retry, an article
dated in the future). ``outbox`` gives receiving.py and sending.py each their
``Outbox`` on mentions/conf.py's settings; a row sent again while a worker has
it (``fenced``) is finished only by the worker with the latest claim.
"""

import logging

from django.tasks import Task as Job

from lib import outbound
from lib.outbox import Outbox
from mentions import conf
from mentions.models import Task

logger = logging.getLogger(__name__)


def is_temporary(refused: outbound.Refused) -> bool:
    """Whether a refused fetch may work later: the server unreachable or slow, not a rule."""
    return isinstance(refused.__cause__, OSError) or "too long" in refused.sentence


def outbox(model: type[Task], task: Job, label: str) -> Outbox:
    """The outbox of ``model``'s rows, each done by ``task``, named ``label`` in the log."""
    return Outbox(
        model=model,
        task=task,
        label=label,
        logger=logger,
        attempts=conf.attempts,
        retry_seconds=conf.retry_seconds,
        lease_seconds=conf.lease_seconds,
        working=Task.Status.WORKING,
        fenced=True,
    )
