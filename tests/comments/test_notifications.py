"""Emails: moderators hear of each held comment, an author of their approval if they asked."""

import logging
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.tasks.backends.base import BaseTaskBackend
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments.mail.delivery import recover
from comments.models import Comment, Delivery, ModerationSettings
from tests.comments.conftest import CHANGELIST, confirmed_mailbox
from tests.conftest import SITE_URL, reset_task_backends
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

IMMEDIATE = "django.tasks.backends.immediate.ImmediateBackend"


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("The mail server is down.")


class BrokenTaskBackend(BaseTaskBackend):
    """A task queue that cannot take anything."""

    def enqueue(self, task, args, kwargs):
        raise RuntimeError("The queue is unreachable.")


@pytest.fixture
def moderators(moderator, db):
    """Two moderators with an email, one without, one inactive; plus a manager."""
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="Moderators")
    second = UserFactory(is_staff=True, email="second.mod@example.com")
    silent = UserFactory(is_staff=True, email="")
    gone = UserFactory(is_staff=True, is_active=False, email="gone@example.com")
    for user in (second, silent, gone):
        user.groups.add(group)
    return [moderator.email, second.email]


@pytest.fixture
def managers(settings):
    settings.MANAGERS = ["owner@example.com", "MOD@example.com"]
    return ["owner@example.com"]


def submit(post_comment, comment_data, capture, **overrides):
    """Post a comment and run what waits for the commit."""
    with capture(execute=True):
        response = post_comment({**comment_data, **overrides})
    assert response.status_code == 302
    return Comment.objects.latest("pk")


def lease_over(settings) -> None:
    """Let EMAIL_LEASE_SECONDS pass for the outbox: recovery takes up tasks that never left."""
    Delivery.objects.update(
        queued_at=timezone.now() - timedelta(seconds=settings.EMAIL_LEASE_SECONDS + 1)
    )


def all_headers(message) -> str:
    return message.message().as_string().split("\n\n", 1)[0]


class TestModeratorEmails:
    @pytest.mark.usefixtures("site_url")
    def test_one_message_per_recipient_with_what_they_need(
        self,
        post_comment,
        comment_data,
        seed_article,
        moderators,
        managers,
        settings,
        django_capture_on_commit_callbacks,
    ):
        """Each moderator and manager gets an email of their own: article, author, reason, link."""
        comment = submit(post_comment, comment_data, django_capture_on_commit_callbacks)
        assert sorted(address for message in mail.outbox for address in message.to) == sorted(
            [*moderators, *managers]
        )
        for message in mail.outbox:
            assert len(message.to) == 1 and message.cc == [] and message.bcc == []
            assert message.subject == f"[Relief Notes] Please moderate: “{seed_article.title}”"
            assert seed_article.title in message.body
            assert "Maya Okafor" in message.body
            assert comment_data["body"] in message.body
            assert "Every new comment is held for moderation." in message.body
            change = reverse("admin:comments_comment_change", args=[comment.pk])
            assert f"{SITE_URL}{change}" in message.body

    def test_the_first_account_made_as_readme_says_hears_of_held_comments(
        self, post_comment, comment_data, django_capture_on_commit_callbacks
    ):
        """createsuperuser with an email, no group joined: told of the first held comment, once."""
        call_command(
            "createsuperuser",
            interactive=False,
            username="owner",
            email="owner@example.com",
            verbosity=0,
        )
        both = UserFactory(is_staff=True, is_superuser=True, email="both@example.com")
        both.groups.add(Group.objects.get(name="Moderators"))  # Both ways: still one email.
        UserFactory(is_staff=True, email="staff@example.com")  # Staff alone hear nothing.
        submit(post_comment, comment_data, django_capture_on_commit_callbacks)
        assert sorted(address for message in mail.outbox for address in message.to) == [
            "both@example.com",
            "owner@example.com",
        ]

    def test_commenter_email_is_in_no_header(
        self, post_comment, comment_data, moderators, django_capture_on_commit_callbacks
    ):
        """Not From, To, Reply-To or anywhere else: replying goes to nobody but the site."""
        submit(post_comment, comment_data, django_capture_on_commit_callbacks)
        assert mail.outbox
        for message in mail.outbox:
            assert comment_data["author_email"] not in message.message().as_string()
            assert "Reply-To" not in all_headers(message)

    def test_sent_only_after_the_commit(
        self, post_comment, comment_data, moderators, django_capture_on_commit_callbacks
    ):
        """Nothing leaves while the transaction is open; it leaves once it commits."""
        with django_capture_on_commit_callbacks() as callbacks:
            post_comment(comment_data)
        assert mail.outbox == []
        for callback in callbacks:
            callback()
        assert len(mail.outbox) == 2

    @pytest.mark.parametrize(
        ("rules", "body"),
        [({"hold_all": False}, "Harmless."), ({"block_words": "casino"}, "Casino night!")],
    )
    def test_published_or_spam_comments_send_nothing(
        self,
        post_comment,
        comment_data,
        moderators,
        django_capture_on_commit_callbacks,
        rules,
        body,
    ):
        """Only comments that wait for a moderator are announced."""
        ModerationSettings.objects.update_or_create(pk=1, defaults=rules)
        comment = submit(post_comment, comment_data, django_capture_on_commit_callbacks, body=body)
        assert comment.status != Comment.Status.PENDING
        assert mail.outbox == []

    def test_mail_server_failure_is_logged_and_the_reader_never_knows(
        self,
        post_comment,
        comment_data,
        moderators,
        settings,
        caplog,
        django_capture_on_commit_callbacks,
    ):
        """The comment is kept, the reader redirected, the email kept to try again, no address."""
        settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FailingBackend"}}
        with caplog.at_level(logging.WARNING, logger="comments.mail.delivery"):
            comment = submit(post_comment, comment_data, django_capture_on_commit_callbacks)
        assert comment.status == Comment.Status.PENDING
        failures = [r for r in caplog.records if r.name == "comments.mail.delivery"]
        assert len(failures) == 2
        assert all("trying again" in record.getMessage() for record in failures)
        assert all("mod@example.com" not in record.getMessage() for record in failures)
        waiting = Delivery.objects.filter(kind=Delivery.Kind.HELD)
        assert [d.status for d in waiting] == [Delivery.Status.QUEUED] * 2
        assert all(d.last_error == "ConnectionRefusedError" for d in waiting)

    def test_unreachable_task_queue_is_logged_and_the_reader_never_knows(
        self,
        post_comment,
        comment_data,
        moderators,
        settings,
        caplog,
        django_capture_on_commit_callbacks,
    ):
        """Even if the queue itself fails, the submission goes through and the emails wait."""
        settings.TASKS = {"default": {"BACKEND": f"{__name__}.BrokenTaskBackend"}}
        reset_task_backends()
        with caplog.at_level(logging.ERROR, logger="comments.mail.delivery"):
            submit(post_comment, comment_data, django_capture_on_commit_callbacks)
        assert Comment.objects.count() == 1
        assert "Could not queue email delivery" in caplog.text
        assert Delivery.objects.filter(status=Delivery.Status.QUEUED).count() == 2

    def test_an_email_the_queue_lost_goes_out_when_the_worker_recovers(
        self, post_comment, comment_data, moderators, settings, django_capture_on_commit_callbacks
    ):
        """A web process that died before queueing loses no moderator's email: recovery sends it."""
        settings.TASKS = {"default": {"BACKEND": f"{__name__}.BrokenTaskBackend"}}
        reset_task_backends()
        submit(post_comment, comment_data, django_capture_on_commit_callbacks)
        assert mail.outbox == []
        settings.TASKS = {
            "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
        }
        reset_task_backends()
        lease_over(settings)
        assert recover() == 2
        assert sorted(message.to[0] for message in mail.outbox) == sorted(moderators)

    def test_a_comment_decided_before_its_email_left_is_not_announced(
        self, post_comment, comment_data, moderators, settings, django_capture_on_commit_callbacks
    ):
        """The worker composes the email as it sends it: a comment approved by then is not news."""
        settings.TASKS = {"default": {"BACKEND": f"{__name__}.BrokenTaskBackend"}}
        reset_task_backends()
        comment = submit(post_comment, comment_data, django_capture_on_commit_callbacks)
        Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.APPROVED)
        settings.TASKS = {
            "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
        }
        reset_task_backends()
        lease_over(settings)
        recover()
        assert mail.outbox == []
        held = Delivery.objects.filter(kind=Delivery.Kind.HELD)
        assert {d.status for d in held} == {Delivery.Status.CANCELLED}

    def test_the_reader_never_waits_for_the_mail_server(
        self,
        post_comment,
        comment_data,
        moderator,
        settings,
        django_capture_on_commit_callbacks,
        run_worker,
    ):
        """With the configured database queue, the email waits for a worker, not the reader."""
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        reset_task_backends()
        submit(post_comment, comment_data, django_capture_on_commit_callbacks)
        assert mail.outbox == []  # the answer came back; the email is in the queue
        assert DBTaskResult.objects.ready().count() == 1
        run_worker()
        assert [message.to for message in mail.outbox] == [[moderator.email]]

    def test_a_queued_email_is_not_queued_again_by_recovery(
        self,
        post_comment,
        comment_data,
        moderator,
        settings,
        django_capture_on_commit_callbacks,
        run_worker,
    ):
        """Recovery finds the held comment's task already queued: one task, one email."""
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        reset_task_backends()
        submit(post_comment, comment_data, django_capture_on_commit_callbacks)
        assert DBTaskResult.objects.count() == 1
        assert recover() == 0
        run_worker()  # which recovers once more before it runs the queue
        assert DBTaskResult.objects.count() == 1
        assert [message.to for message in mail.outbox] == [[moderator.email]]


class TestApprovalEmail:
    def test_form_offers_the_opt_in(self, client, seed_article):
        """An unticked checkbox with the plain sentence."""
        page = BeautifulSoup(client.get(seed_article.get_absolute_url()).content, "html.parser")
        box = page.select_one("input[name=notify_on_approval]")
        assert box["type"] == "checkbox" and not box.has_attr("checked")
        label = page.select_one(f"label[for={box['id']}]")
        assert label.get_text(strip=True) == "Email me when my comment is approved"
        assert "cleared once the email is sent" not in page.get_text()  # staff's help text

    @pytest.mark.usefixtures("site_url")
    def test_author_who_asked_gets_one_email_with_the_permalink(
        self,
        post_comment,
        comment_data,
        moderator_client,
        settings,
        django_capture_on_commit_callbacks,
    ):
        """Approved once: one email to the author alone; approved again: nothing more."""
        mailbox = confirmed_mailbox(comment_data["author_email"])
        comment = submit(
            post_comment, comment_data, django_capture_on_commit_callbacks, notify_on_approval="on"
        )
        assert comment.notify_on_approval
        # Confirmed from the browser that posted it (comments/mail/consent.py).
        mailbox.browsers.create(trust_key=comment.trust_key)
        mail.outbox.clear()

        def approve_then_unapprove():
            for action in ["approve", "back_to_pending"]:
                with django_capture_on_commit_callbacks(execute=True):
                    moderator_client.post(
                        f"{CHANGELIST}?status=all",
                        {"action": action, "index": "0", "_selected_action": [comment.pk]},
                    )

        approve_then_unapprove()
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [comment_data["author_email"]]
        assert "is published" in message.subject
        assert f"{SITE_URL}{comment.get_absolute_url()}" in message.body

        approve_then_unapprove()
        assert len(mail.outbox) == 1

    def test_author_who_did_not_ask_gets_nothing(
        self,
        post_comment,
        comment_data,
        moderator_client,
        django_capture_on_commit_callbacks,
    ):
        """No tick, no email, whatever happens to the comment."""
        comment = submit(post_comment, comment_data, django_capture_on_commit_callbacks)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            moderator_client.post(
                CHANGELIST, {"action": "approve", "index": "0", "_selected_action": [comment.pk]}
            )
        comment.refresh_from_db()
        assert comment.is_approved()
        assert mail.outbox == []

    def test_comment_published_at_once_sends_nothing(
        self, post_comment, comment_data, django_capture_on_commit_callbacks
    ):
        """The author sees it at once: there is no approval to announce."""
        ModerationSettings.objects.update_or_create(pk=1, defaults={"hold_all": False})
        comment = submit(
            post_comment, comment_data, django_capture_on_commit_callbacks, notify_on_approval="on"
        )
        assert comment.is_approved() and not comment.notify_on_approval
        assert mail.outbox == []

    def test_other_status_changes_send_nothing(
        self, moderator_client, seed_article, django_capture_on_commit_callbacks
    ):
        """Spam or removal of a comment whose author asked is not announced."""
        comment = CommentFactory(
            article=seed_article, status=Comment.Status.PENDING, notify_on_approval=True
        )
        for action in ["mark_as_spam", "remove"]:
            with django_capture_on_commit_callbacks(execute=True):
                moderator_client.post(
                    f"{CHANGELIST}?status=all",
                    {"action": action, "index": "0", "_selected_action": [comment.pk]},
                )
        assert mail.outbox == []
