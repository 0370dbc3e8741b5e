"""The worker's round (``lib.worker``): Webmentions to verify and to send, taken up again."""

from django.dispatch import receiver

from lib.worker import worker_round
from mentions import receiving, sending


@receiver(worker_round)
def take_up(sender, **kwargs) -> None:
    """Queue what a killed worker or web process left, and what has come due."""
    receiving.OUTBOX.recover()
    sending.OUTBOX.recover()
