"""
A real email worker (``manage.py email_worker``), killed with SIGKILL mid-batch.

Production settings, its own database, and aiosmtpd as the mail server on a
free loopback port. The sink holds one message before accepting it; the
worker is killed right there; a second worker takes over. Every recipient
gets the email exactly once, and the worker's log names none of them.
"""

import email
import email.policy
import json
import os
import signal
import time

import pytest

from tests.perf.mail_sink import MailSink
from tests.perf.server import manage, production_env, query, server_database
from tests.perf.worker import shell, start_worker, wait_for

SETUP = """
import json, os
from django.utils import timezone
from blog.models import Article
from comments.models import Comment, Mailbox, Subscription
from comments.moderation import change_status

article = Article.objects.published().first()
for address in json.loads(os.environ["TEST_RECIPIENTS"]):
    mailbox = Mailbox.objects.create(email=address, confirmed_at=timezone.now())
    Subscription.objects.create(
        mailbox=mailbox, kind="article", article=article, confirmed_at=timezone.now()
    )
comment = Comment.objects.create(
    article=article, author_name="Writer", author_email="writer@example.org",
    body="Fresh news.", status="pending",
)
change_status(comment, "approved")
"""

LONGEST = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 57}.com"


def statuses(database_url: str) -> dict[str, int]:
    sql = "SELECT status, COUNT(*) FROM comments_delivery GROUP BY status"
    return dict(query(database_url, sql))


@pytest.fixture
def database(tmp_path):
    with server_database(tmp_path) as url:
        yield url


def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(tmp_path, database):
    """Killed holding the 5th of 12 emails: a new worker sends the rest; each arrives once."""
    recipients = [f"reader{n}@example.org" for n in range(10)] + [LONGEST, "gone@example.org"]
    with (sink_server := MailSink(hold=5, refuse={"gone@example.org"})) as sink:
        env = production_env(
            database,
            tmp_path / "static",
            **sink_server.env(),
            DJANGO_SITE_URL="https://blog.example",
            DJANGO_EMAIL_LEASE_SECONDS="2",
            DJANGO_EMAIL_RETRY_SECONDS="0.5",
            TEST_RECIPIENTS=json.dumps(recipients),
        )
        manage(env, "migrate", "--noinput")
        shell(env, SETUP)
        log = tmp_path / "worker.log"

        first = start_worker(env, log)
        try:
            assert sink.holding.wait(60), log.read_text()
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
        sink.release.set()
        before = sum(sink.count().values())
        assert before == 4  # the held one was never accepted

        second = start_worker(env, log)
        try:
            wait_for(lambda: len(sink.count()) == 11, 60, "every deliverable email")
            wait_for(
                lambda: statuses(database).get("sending", 0) == 0,
                30,
                "the last delivery to be recorded",
            )
            time.sleep(1)  # anything sent twice would arrive by now
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)

    assert sink.count() == {address.lower(): 1 for address in recipients[:-1]}
    assert sink.connections == 2  # one per worker, kept from email to email
    assert statuses(database) == {"sent": 11, "failed": 1}
    text = log.read_text()
    assert "was interrupted" in text
    assert "the mail server refused the recipient (code 550)" in text
    assert not [address for address in recipients if address in text.lower()]
    for raw in sink.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Unsubscribe"].startswith(
            "<https://blog.example/comments/email/unsubscribe/"
        )
