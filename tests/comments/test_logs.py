"""
No commenter's address reaches a log line, at any level, whatever happens.

Every logger is opened to DEBUG (SQL included) while readers post, the rules
hold and catch comments, the mail server refuses a recipient, staff search,
export and erase, readers ask for email, confirm, are emailed and leave, and
deliveries fail, wait and are recovered: no record, its arguments or its
traceback holds an address.
"""

import io
import logging
import smtplib
import traceback
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.mail.delivery import close_connection, recover
from comments.models import Comment, Delivery, ModerationSettings
from comments.moderation import change_status
from tests.comments.conftest import follow_confirmation, links_in, path_of
from tests.conftest import post_as, reader
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "Lee.Secret+blog@Example.org"
SPELLINGS = [ADDRESS, ADDRESS.lower(), "lee.secret@example.org", "lee.secret"]
MODERATOR = "moderator.person@example.com"


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every recipient, as smtplib reports it."""

    def send_messages(self, messages):
        for message in messages:
            recipients = {address: (550, b"5.1.1 <%s> unknown" % address.encode())
                          for address in message.recipients()}  # fmt: skip
            raise smtplib.SMTPRecipientsRefused(recipients)


class Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.NOTSET)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = [record.getMessage(), repr(record.args)]
        if record.exc_info:
            text.append("".join(traceback.format_exception(*record.exc_info)))
        self.lines.append(" ".join(text))


@pytest.fixture
def every_log_line(settings):
    """All logging, every logger at DEBUG, SQL included, for the length of the test."""
    records = Records()
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
    ]
    saved = [(logger, logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(records)
        logger.propagate = False  # Each record once, whichever logger has it.
    connection.force_debug_cursor = True  # django.db.backends logs every query.
    yield records.lines
    connection.force_debug_cursor = False
    for logger, level, propagate in saved:
        logger.setLevel(level)
        logger.removeHandler(records)
        logger.propagate = propagate


def test_no_address_in_any_log_line(
    every_log_line, seed_article, settings, superuser_client, django_capture_on_commit_callbacks
):
    """Posting, rules, refusals, refused mail, approval, search, export, erasure: none logs it."""
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    settings.MANAGERS = [MODERATOR]
    moderator = UserFactory(is_staff=True, email=MODERATOR)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    # Words that match the address, without spelling it (the rules' own queries are logged).
    ModerationSettings.objects.update_or_create(
        pk=1, defaults={"moderation_words": "secret", "block_words": "+blog@"}
    )
    browser = reader()
    data = {"author_name": "Lee", "author_email": ADDRESS, "body": "First.",
            "notify_on_approval": "on"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        post_as(browser, seed_article, data)  # Caught by the block word.
        ModerationSettings.objects.update_or_create(pk=1, defaults={"block_words": ""})
        post_as(browser, seed_article, {**data, "body": "Second."})  # Held: moderated word.
        post_as(browser, seed_article, {**data, "body": "Second."})  # A duplicate: 409.
        post_as(browser, seed_article, {**data, "author_email": "not an address"})  # 400.
        post_as(reader(), seed_article, {**data, "body": "No stamp.", "issued": ""})  # Confirm.
        browser.post(reverse("comments:post", args=[seed_article.slug]),
                     data, headers={"Sec-Fetch-Site": "cross-site"})  # fmt: skip
        change_status(Comment.objects.all(), Comment.Status.APPROVED, by=moderator)
    assert Comment.objects.count() == 2

    changelist = reverse("admin:comments_comment_changelist")
    found = superuser_client.post(
        reverse("admin:comments_comment_find_commenter"), {"email": ADDRESS}, follow=True
    )
    assert found.status_code == 200
    superuser_client.get(changelist, {"q": ADDRESS})  # Typed in the wrong box: says where to go.
    selected = {"_selected_action": list(Comment.objects.values_list("pk", flat=True))}
    superuser_client.post(changelist, {"action": "export_commenters", **selected})
    call_command("export_commenter", ADDRESS, stdout=io.StringIO())
    staff = UserFactory(is_staff=True)
    call_command("erase_commenter", ADDRESS, "--text", "keep", "--by", staff.username,
                 stdout=io.StringIO())  # fmt: skip

    assert any("Email delivery" in line and "failed" in line for line in every_log_line)
    assert any("code 550" in line for line in every_log_line)
    assert any("SELECT" in line for line in every_log_line)  # Queries were logged too.
    spellings = [spelling.lower() for spelling in SPELLINGS]
    assert [line for line in every_log_line if any(s in line.lower() for s in spellings)] == []
    # Nor a moderator's, when a message to them fails (the test's own INSERT of them aside).
    failures = [line for line in every_log_line if "Email delivery" in line]
    assert not [line for line in failures if MODERATOR in line]


class BusyBackend(BaseEmailBackend):
    """A mail server that asks to try again later, naming the recipient as servers do."""

    def send_messages(self, messages):
        recipients = {address: (451, b"4.2.1 <%s> try later" % address.encode())
                      for message in messages for address in message.recipients()}  # fmt: skip
        raise smtplib.SMTPRecipientsRefused(recipients)


@pytest.mark.usefixtures("site_url")
def test_no_address_in_the_email_flows(
    every_log_line, seed_article, settings, django_capture_on_commit_callbacks
):
    """Wishes, confirmation, announcements, retries, refusals, recovery, unsubscribing: none."""
    browser = reader()
    data = {"author_name": "Lee", "author_email": ADDRESS, "body": "Following this.",
            "notify_replies": "on", "notify_article": "on", "notify_on_approval": "on"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        post_as(browser, seed_article, data)
    [confirmation] = mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        follow_confirmation(browser, confirmation)
    lee = Comment.objects.get()
    reply = CommentFactory(article=seed_article, parent=lee, status=Comment.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        change_status([lee, reply], Comment.Status.APPROVED)
    news = mail.outbox[-1]
    assert "New reply" in news.subject or "new comments" in news.subject

    # A busy server, then one that refuses, then a worker that died mid-send.
    for backend in ["BusyBackend", "RefusingBackend"]:
        settings.MAILERS = {"default": {"BACKEND": f"{__name__}.{backend}"}}
        close_connection()
        with django_capture_on_commit_callbacks(execute=True):
            change_status(
                CommentFactory(article=seed_article, status=Comment.Status.PENDING),
                Comment.Status.APPROVED,
            )
    Delivery.objects.filter(status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.SENDING, claimed_at=timezone.now() - timedelta(days=1)
    )
    recover()
    close_connection()

    mute, stop = links_in(news, "unsubscribe")
    Client().get(path_of(mute))
    Client().post(path_of(mute), {"List-Unsubscribe": "One-Click"})
    Client().post(path_of(stop), {"List-Unsubscribe": "One-Click"})
    Client().post("/comments/email/unsubscribe/forged/")

    for expected in ["trying again", "failed for good", "was interrupted", "code 451", "code 550"]:
        assert any(expected in line for line in every_log_line), expected
    spellings = [spelling.lower() for spelling in SPELLINGS]
    assert [line for line in every_log_line if any(s in line.lower() for s in spellings)] == []
