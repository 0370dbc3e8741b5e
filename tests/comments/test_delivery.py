"""
Delivery from the outbox: retried with backoff, failures kept for staff, crashes recovered.

In-process, with mail servers that fail on purpose; tests/comments/test_worker.py
kills a real worker process against a real SMTP server.
"""

import logging
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import OperationalError, connection
from django.tasks.signals import task_finished
from django.urls import reverse
from django.utils import timezone

from comments.mail.delivery import close_connection, recover
from comments.models import Comment, Delivery, Subscription
from comments.moderation import change_status
from tests.comments.conftest import confirmed_mailbox
from tests.conftest import reset_task_backends
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

READER = "reader.person@example.org"


class Refusing(BaseEmailBackend):
    """A mail server that answers every recipient with ``code``."""

    code = 550

    def send_messages(self, messages):
        refused = {a: (self.code, f"<{a}> no".encode()) for m in messages for a in m.recipients()}
        raise smtplib.SMTPRecipientsRefused(refused)


class Busy(Refusing):
    code = 451


class Down(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("Connection refused")


class Counting(BaseEmailBackend):
    """A mail server that counts the connections opened to it."""

    opened = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = None

    def open(self):
        if self.connection is None:
            Counting.opened += 1
            self.connection = object()
            return True
        return False

    def close(self):
        self.connection = None

    def send_messages(self, messages):
        mail.outbox.extend(messages)
        return len(messages)


def mailer(settings, backend) -> None:
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.{backend.__name__}"}}


@pytest.fixture
def news(seed_article, django_capture_on_commit_callbacks):
    """Approve a new comment on the seed article, which a confirmed reader follows."""
    mailbox = confirmed_mailbox(READER)
    Subscription.objects.create(
        confirmed_at=timezone.now(),
        mailbox=mailbox,
        kind=Subscription.Kind.ARTICLE,
        article=seed_article,
    )

    def approve():
        comment = CommentFactory(article=seed_article, status=Comment.Status.PENDING)
        with django_capture_on_commit_callbacks(execute=True):
            change_status(comment, Comment.Status.APPROVED)
        return Delivery.objects.latest("pk")

    return approve


@pytest.fixture(autouse=True)
def _fresh_connection():
    """Each test's mail server gets its own connection."""
    close_connection()
    yield
    close_connection()


def age(delivery: Delivery, seconds: float) -> None:
    """Let ``seconds`` pass for a delivery: its times move that much into the past."""
    shift = timedelta(seconds=seconds)
    row = Delivery.objects.get(pk=delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(
        due_at=row.due_at - shift,
        queued_at=row.queued_at and row.queued_at - shift,
        claimed_at=row.claimed_at and row.claimed_at - shift,
    )


def test_mail_server_down_is_retried_with_backoff_then_sent(news, settings, caplog):
    """Down: tried again after 60 s, then 120 s…; back up: sent once; logged without address."""
    mailer(settings, Down)
    with caplog.at_level(logging.INFO, logger="comments.mail.delivery"):
        delivery = news()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (Delivery.Status.QUEUED, 1)
        assert delivery.last_error == "ConnectionRefusedError"
        assert 55 < (delivery.due_at - timezone.now()).total_seconds() <= 60
        assert recover() == 0  # not due yet
        age(delivery, 61)
        assert recover() == 1
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert 115 < (delivery.due_at - timezone.now()).total_seconds() <= 120

        mailer(settings, Counting)
        age(delivery, 121)
        assert recover() == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 3
    assert [m.to for m in mail.outbox] == [[READER]]
    assert "trying again in 60 seconds" in caplog.text
    assert READER not in caplog.text.lower()


def test_a_refused_recipient_fails_at_once_and_staff_see_why(
    news, settings, caplog, moderator_client
):
    """A 5xx refusal is permanent: failed, with the code and no address, in log and admin."""
    mailer(settings, Refusing)
    with caplog.at_level(logging.INFO, logger="comments.mail.delivery"):
        delivery = news()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 1
    assert delivery.last_error == "the mail server refused the recipient (code 550)"
    age(delivery, 10_000)
    assert recover() == 0
    assert "failed for good" in caplog.text and READER not in caplog.text.lower()

    listing = moderator_client.get(
        reverse("admin:comments_delivery_changelist"), {"status__exact": "failed"}
    )
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "the mail server refused the recipient (code 550)" in page
    assert READER not in page.lower()
    assert "send_again" not in page  # moderators look; they do not resend


def test_a_failure_that_cannot_be_recorded_does_not_carry_the_refused_address(
    seed_article, settings, caplog, django_capture_on_commit_callbacks
):
    """The database fails as a refusal is recorded: the task's error and log name no address."""
    mailer(settings, Refusing)
    Subscription.objects.create(
        confirmed_at=timezone.now(),
        mailbox=confirmed_mailbox(READER),
        kind=Subscription.Kind.ARTICLE,
        article=seed_article,
    )
    comment = CommentFactory(article=seed_article, status=Comment.Status.PENDING)

    def no_failure_recorded(execute, sql, params, many, context):
        if sql.startswith("UPDATE") and "comments_delivery" in sql and "failed" in params:
            raise OperationalError("disk I/O error")
        return execute(sql, params, many, context)

    errors = []

    def keep_errors(sender, task_result, **kwargs):
        errors.extend(task_result.errors)

    task_finished.connect(keep_errors)
    try:
        with (
            caplog.at_level(logging.INFO, logger="django.tasks"),  # a worker run may quiet it
            caplog.at_level(logging.INFO, logger="comments.mail.delivery"),
            connection.execute_wrapper(no_failure_recorded),
            django_capture_on_commit_callbacks(execute=True),
        ):
            change_status(comment, Comment.Status.APPROVED)
    finally:
        task_finished.disconnect(keep_errors)
    [error] = errors
    assert error.exception_class_path == "django.db.utils.OperationalError"
    assert READER not in error.traceback.lower()
    assert "disk I/O error" in caplog.text
    assert READER not in caplog.text.lower()


def test_temporary_refusals_end_after_the_last_attempt(news, settings):
    """451 every time: EMAIL_ATTEMPTS attempts in all, then failed for good."""
    settings.EMAIL_ATTEMPTS = 3
    mailer(settings, Busy)
    delivery = news()
    for _ in range(5):
        age(delivery, 10_000)
        recover()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 3)
    assert "code 451" in delivery.last_error


def test_staff_can_send_a_failed_email_again(
    news, settings, superuser_client, django_capture_on_commit_callbacks
):
    """Once the cause is fixed, the admin action queues it again and it is sent."""
    mailer(settings, Refusing)
    delivery = news()
    mailer(settings, Counting)
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            reverse("admin:comments_delivery_changelist"),
            {"action": "send_again", "_selected_action": [delivery.pk]},
            follow=True,
        )
    assert "1 email will be sent again." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert [m.to for m in mail.outbox] == [[READER]]


def test_a_web_process_killed_before_the_enqueue_loses_nothing(
    seed_article, django_capture_on_commit_callbacks, settings
):
    """Committed, but the process died before queueing the task: recovered after the lease."""
    mailbox = confirmed_mailbox(READER)
    Subscription.objects.create(
        confirmed_at=timezone.now(),
        mailbox=mailbox,
        kind=Subscription.Kind.ARTICLE,
        article=seed_article,
    )
    comment = CommentFactory(article=seed_article, status=Comment.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=False):  # the callbacks never run
        change_status(comment, Comment.Status.APPROVED)
    assert mail.outbox == []
    delivery = Delivery.objects.get()
    age(delivery, settings.EMAIL_LEASE_SECONDS / 2)
    assert recover() == 0  # its task may still be on its way
    age(delivery, settings.EMAIL_LEASE_SECONDS)
    assert recover() == 1
    assert [m.to for m in mail.outbox] == [[READER]]
    age(delivery, settings.EMAIL_LEASE_SECONDS * 3)
    assert recover() == 0


def test_a_worker_killed_mid_send_is_taken_up_again_once(news, settings, caplog):
    """Left "sending" by a worker that died: queued again after the lease, sent once."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    reset_task_backends()
    delivery = news()
    # What a worker killed after claiming it leaves behind.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENDING, attempts=1, claimed_at=timezone.now()
    )
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    reset_task_backends()
    age(delivery, settings.EMAIL_LEASE_SECONDS / 2)
    assert recover() == 0  # it may still be sending
    age(delivery, settings.EMAIL_LEASE_SECONDS)
    with caplog.at_level(logging.WARNING, logger="comments.mail.delivery"):
        assert recover() == 1
    assert "was interrupted" in caplog.text
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)
    assert len(mail.outbox) == 1


def test_one_connection_for_many_emails(seed_article, settings, django_capture_on_commit_callbacks):
    """Ten recipients: ten emails, one task each, over one connection opened once."""
    mailer(settings, Counting)
    Counting.opened = 0
    for n in range(10):
        Subscription.objects.create(
            confirmed_at=timezone.now(),
            mailbox=confirmed_mailbox(f"follower{n}@example.org"),
            kind=Subscription.Kind.ARTICLE,
            article=seed_article,
        )
    comment = CommentFactory(article=seed_article, status=Comment.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(comment, Comment.Status.APPROVED)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"follower{n}@example.org" for n in range(10)
    )
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 10
    assert Counting.opened == 1
