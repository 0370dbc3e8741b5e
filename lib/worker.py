"""
The worker's round: one signal for every app that keeps an outbox.

``manage.py email_worker`` runs django.tasks' queue and, every few seconds,
sends ``worker_round``. Each app with durable work of its own (the mentions'
Webmentions to verify and to send, the fediverse's deliveries) connects a
receiver that queues again what a crash left and what has come due, so one
worker process serves them all and no app imports another's worker.
"""

from django.dispatch import Signal

worker_round = Signal()
