"""Retention: old IP addresses and user agents cleared, old spam and removed comments deleted."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from comments.mail.consent import unsubscribe_url
from comments.models import Comment, Delivery, Mailbox, Subscription
from tests.comments.conftest import VALID, follow_confirmation, path_of
from tests.config.test_settings import PRODUCTION, manage, settings_seen
from tests.conftest import post_as, reader
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

NETWORK = {"ip_address": "203.0.113.7", "user_agent": "Firefox/140"}


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def aged(days: float, **fields) -> Comment:
    """A comment written, and last changed, this many days ago."""
    comment = CommentFactory(created_at=days_ago(days), **fields)
    Comment.objects.filter(pk=comment.pk).update(updated_at=days_ago(days))
    return comment


def retention() -> list[str]:
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    return out.getvalue().strip().splitlines()


def test_ip_and_user_agent_go_after_thirty_days_and_the_command_says_so():
    """Only comments past the period lose them; the text and the rest stay; a rerun does nothing."""
    old = aged(31, body="Still here.", **NETWORK)
    recent = aged(29, **NETWORK)
    assert retention() == [
        "Cleared the IP address, user agent and held reason of 1 comment older than 30 days.",
        "Deleted 0 spam or removed comments untouched for 30 days.",
    ]
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.ip_address, old.user_agent, old.body) == (None, "", "Still here.")
    assert (recent.ip_address, recent.user_agent) == ("203.0.113.7", "Firefox/140")
    assert retention()[0] == (
        "Cleared the IP address, user agent and held reason of 0 comments older than 30 days."
    )


def test_the_reason_a_comment_was_held_goes_with_its_ip_address():
    """Which of the commenter's fields met a rule is kept no longer than the IP address."""
    old = aged(31, held_reason="Its email contains a moderated word.", **NETWORK)
    recent = aged(29, held_reason="Its email contains a moderated word.")
    retention()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.held_reason, recent.held_reason) == ("", "Its email contains a moderated word.")


def test_clearing_does_not_move_the_comments_last_change():
    """Nothing a reader sees changed, so the sitemap has no reason to move."""
    old = aged(40, **NETWORK)
    before = Comment.objects.get(pk=old.pk).updated_at
    retention()
    assert Comment.objects.get(pk=old.pk).updated_at == before


@pytest.mark.parametrize(
    ("status", "days", "deleted"),
    [
        (Comment.Status.SPAM, 31, True),
        (Comment.Status.REMOVED, 31, True),
        (Comment.Status.SPAM, 29, False),
        (Comment.Status.REMOVED, 29, False),
        (Comment.Status.APPROVED, 400, False),
        (Comment.Status.PENDING, 400, False),
    ],
)
def test_only_old_spam_and_removed_comments_are_deleted(status, days, deleted):
    """Spam and removed comments untouched for 30 days go; approved and pending never do."""
    comment = aged(days, status=status)
    lines = retention()
    assert Comment.objects.filter(pk=comment.pk).exists() is not deleted
    count = 1 if deleted else 0
    noun = "comment" if deleted else "comments"
    assert lines[1] == f"Deleted {count} spam or removed {noun} untouched for 30 days."


def test_a_removed_comment_with_kept_replies_stays_until_they_go():
    """It is kept while a reply stays (deleting it would delete them), and goes after them."""
    removed = aged(60, status=Comment.Status.REMOVED)
    reply = aged(60, article=removed.article, parent=removed)
    spam_thread = aged(60, article=removed.article, status=Comment.Status.SPAM)
    aged(60, article=removed.article, parent=spam_thread, status=Comment.Status.SPAM)
    assert retention()[1:] == [
        "Deleted 2 spam or removed comments untouched for 30 days.",
        "Kept 1 old spam or removed comment: it has replies that stay.",
    ]
    assert set(Comment.objects.all()) == {removed, reply}

    Comment.objects.filter(pk=reply.pk).update(status=Comment.Status.SPAM)
    assert retention()[1] == "Deleted 0 spam or removed comments untouched for 30 days."
    Comment.objects.filter(pk=reply.pk).update(updated_at=days_ago(31))
    assert retention()[1] == "Deleted 2 spam or removed comments untouched for 30 days."
    assert not Comment.objects.exists()


def test_periods_are_settings(settings):
    """Shorter periods from the settings are applied and named in the output."""
    settings.COMMENTS_KEEP_IP_DAYS = 7
    settings.COMMENTS_KEEP_DISCARDED_DAYS = 3
    aged(8, **NETWORK)
    aged(4, status=Comment.Status.SPAM)
    assert retention() == [
        "Cleared the IP address, user agent and held reason of 1 comment older than 7 days.",
        "Deleted 1 spam or removed comment untouched for 3 days.",
    ]


@pytest.mark.parametrize("value", ["thirty", "-1", "0", "2.5"])
def test_a_bad_period_stops_the_process(value):
    """A retention period that is not a whole number of days is refused in one sentence."""
    result = manage("check", DJANGO_COMMENTS_KEEP_IP_DAYS=value, **PRODUCTION)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Configuration error: DJANGO_COMMENTS_KEEP_IP_DAYS must be a whole number of days, "
        "such as 30."
    ]


def test_periods_are_read_from_the_environment():
    """An operator sets the periods without touching code."""
    seen = settings_seen(
        "s.COMMENTS_KEEP_IP_DAYS, s.COMMENTS_KEEP_DISCARDED_DAYS",
        DJANGO_COMMENTS_KEEP_IP_DAYS="14",
        DJANGO_COMMENTS_KEEP_DISCARDED_DAYS="60",
        **PRODUCTION,
    )
    assert seen.split() == ["14", "60"]


def test_finished_emails_and_never_confirmed_addresses_go_after_thirty_days():
    """The outbox and the unconfirmed addresses are kept no longer than discarded comments."""
    old, recent = days_ago(31), days_ago(29)
    stale = Mailbox.objects.create(email="never.confirmed@example.org", created_at=old)
    waiting = Mailbox.objects.create(email="just.asked@example.org", created_at=recent)
    kept = Mailbox.objects.create(email="confirmed@example.org", created_at=old,
                                  confirmed_at=old)  # fmt: skip
    sent_long_ago = Delivery.objects.create(
        mailbox=kept, kind=Delivery.Kind.NEWS, status=Delivery.Status.SENT, created_at=old
    )
    queued = Delivery.objects.create(
        mailbox=kept, kind=Delivery.Kind.NEWS, status=Delivery.Status.QUEUED, created_at=old
    )
    assert retention()[-1] == (
        "Forgot 1 sent or finished emails and 1 never-confirmed addresses older than 30 days."
    )
    assert set(Mailbox.objects.all()) == {waiting, kept}
    assert list(Delivery.objects.all()) == [queued]
    assert not Delivery.objects.filter(pk=sent_long_ago.pk).exists()
    assert stale.pk not in set(Mailbox.objects.values_list("pk", flat=True))


def test_an_old_address_that_asked_again_keeps_its_fresh_link(
    client, seed_article, mailoutbox, django_capture_on_commit_callbacks
):
    """Known for long, stopped all email, then ticked a wish again: kept until its link is old."""
    address = "came.back@example.org"
    returning = Mailbox.objects.create(
        email=address, created_at=days_ago(60), confirmation_sent_at=days_ago(60),
        confirmed_at=days_ago(60),
    )  # fmt: skip
    Mailbox.objects.create(email="left.long.ago@example.org", created_at=days_ago(60),
                           confirmation_sent_at=days_ago(40))  # fmt: skip
    stop_all = path_of(unsubscribe_url(returning))
    assert Client().post(stop_all, {"List-Unsubscribe": "One-Click"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        data = {**VALID, "author_email": address, "notify_replies": "on"}
        assert post_as(client, seed_article, data).status_code == 302
    [message] = [message for message in mailoutbox if message.to == [address]]

    assert retention()[-1] == (
        "Forgot 0 sent or finished emails and 1 never-confirmed addresses older than 30 days."
    )
    follow_confirmation(reader(), message)
    assert Mailbox.objects.get().is_confirmed()


def test_a_wish_nobody_said_yes_to_goes_after_thirty_days(seed_article):
    """Typed with a confirmed address from another browser and never confirmed: forgotten."""
    mailbox = Mailbox.objects.create(email="known@example.org", confirmed_at=days_ago(90))
    article = Subscription.Kind.ARTICLE
    agreed = Subscription.objects.create(
        mailbox=mailbox, kind=article, article=seed_article, created_at=days_ago(60),
        confirmed_at=days_ago(60),
    )  # fmt: skip
    other = ArticleFactory()
    Subscription.objects.create(mailbox=mailbox, kind=article, article=other,
                                created_at=days_ago(31))  # fmt: skip
    third = ArticleFactory()
    recent = Subscription.objects.create(
        mailbox=mailbox, kind=article, article=third, created_at=days_ago(29)
    )
    retention()
    assert set(Subscription.objects.all()) == {agreed, recent}
