"""The worker's round (``lib.worker``): Webmentions to verify and to send, taken up again."""

from django.dispatch import receiver

from lib.worker import worker_round
from mentions import queue
from mentions.models import Outgoing, Received
from mentions.receiving import verify
from mentions.sending import send


@receiver(worker_round)
def take_up(sender, **kwargs) -> None:
    """Queue what a killed worker or web process left, and what has come due."""
    queue.recover(Received, verify)
    queue.recover(Outgoing, send)
