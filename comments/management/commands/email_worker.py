"""
``manage.py email_worker``: django-tasks-db's worker, plus the recovery of what a crash left.

django-tasks-db runs each queued task once and keeps its result, but a task
whose worker was killed stays "running" for ever, and a failed one is not
tried again. Beside its loop this command runs ``comments.mail.delivery.recover``
every few seconds (and at once on start), which queues again every email that
a killed worker or web process left unsent, and every retry that is due.
Any number of workers may run, on any number of machines sharing the database.
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from comments.mail.delivery import recover
from lib.worker import worker_round

logger = logging.getLogger("comments.mail.delivery")


def recovery_interval() -> float:
    """How often to look for unsent emails: a quarter of the lease, between 0.5 s and 30 s."""
    return min(max(settings.EMAIL_LEASE_SECONDS / 4, 0.5), 30.0)


def keep_recovering(stop: threading.Event) -> None:
    while not stop.is_set():
        close_old_connections()
        try:
            recover()
            # The other apps' outboxes (Webmentions): each takes up what it left.
            worker_round.send(sender=Command)
        except Exception:  # A database outage: log it and try again on the next round.
            logger.exception("Could not look for unsent emails.")
        stop.wait(recovery_interval())


class Command(DatabaseWorkerCommand):
    help = (
        "Send the site's emails: run queued tasks, and queue again those a killed worker "
        "or web process left unsent. Run one or more beside the web server."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        # A reload would kill a task half-way; the recovery makes that safe, but never needed.
        parser.set_defaults(reload=False)

    def handle(self, *args, **options) -> None:
        if options["batch"]:
            # Everything outstanding, then exit: recovered once, first, in this thread.
            recover()
            worker_round.send(sender=Command)
            super().handle(*args, **options)
            return
        stop = threading.Event()
        recovery = threading.Thread(
            target=keep_recovering, args=(stop,), name="email-recovery", daemon=True
        )
        recovery.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
