"""
What an approval announces: only what is public, only to those who asked and confirmed.

Every approval path goes through ``change_status``; the admin's bulk action and
the desk's buttons are used here as a moderator would.
"""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, Delivery, Mailbox, Subscription
from comments.moderation import change_status
from tests.comments.conftest import confirmed_mailbox
from tests.conftest import reset_task_backends
from tests.factories import ArticleFactory, CommentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]

CHANGELIST = reverse("admin:comments_comment_changelist")
FOLLOWER = "follower@example.org"
AUTHOR = "author@example.org"


@pytest.fixture
def thread(seed_article):
    """An approved comment whose confirmed author wants replies, and an article follower."""
    parent = CommentFactory(article=seed_article, author_email=AUTHOR, author_name="Ada")
    author = confirmed_mailbox(AUTHOR)
    Subscription.objects.create(
        confirmed_at=timezone.now(),
        mailbox=author,
        kind=Subscription.Kind.REPLIES,
        comment=parent,
        article=seed_article,
    )
    follower = confirmed_mailbox(FOLLOWER)
    Subscription.objects.create(
        confirmed_at=timezone.now(),
        mailbox=follower,
        kind=Subscription.Kind.ARTICLE,
        article=seed_article,
    )
    return parent


def held(article, **fields) -> Comment:
    return CommentFactory(article=article, status=Comment.Status.PENDING, **fields)


def bulk(moderator_client, capture, action: str, *comments) -> None:
    """A moderator's bulk action from the queue, run to its commit."""
    with capture(execute=True):
        response = moderator_client.post(
            f"{CHANGELIST}?status=all",
            {"action": action, "index": "0", "_selected_action": [c.pk for c in comments]},
        )
    assert response.status_code == 302


def inbox(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def test_a_reply_is_announced_to_the_comment_it_answers_and_to_followers(
    thread, seed_article, moderator_client, django_capture_on_commit_callbacks
):
    """Approved: its parent's author hears of a reply, the follower of a new comment."""
    reply = held(seed_article, parent=thread, author_name="Bo", body="I agree, and also…")
    bulk(moderator_client, django_capture_on_commit_callbacks, "approve", reply)

    [to_author] = inbox(AUTHOR)
    assert (
        to_author.subject == f"[Relief Notes] New reply to your comment on “{seed_article.title}”"
    )
    assert "Bo replied to your comment:" in to_author.body
    assert "I agree, and also…" in to_author.body
    assert reply.get_full_url() in to_author.body
    [to_follower] = inbox(FOLLOWER)
    assert to_follower.subject == f"[Relief Notes] New comment on “{seed_article.title}”"
    assert "Bo commented:" in to_follower.body


@pytest.mark.parametrize("action", ["mark_as_spam", "remove"])
def test_held_spam_and_removed_comments_are_never_announced(
    thread, seed_article, moderator_client, django_capture_on_commit_callbacks, action, settings
):
    """Posted and held, then spam or removed: not one email to a reader."""
    reply = held(seed_article, parent=thread)
    bulk(moderator_client, django_capture_on_commit_callbacks, action, reply)
    bulk(moderator_client, django_capture_on_commit_callbacks, "back_to_pending", reply)
    assert inbox(AUTHOR) == inbox(FOLLOWER) == []
    assert Delivery.objects.count() == 0


def test_never_to_the_comments_own_author(
    thread, seed_article, moderator_client, django_capture_on_commit_callbacks
):
    """The follower replying (under a +tag, even) is not told of their own reply."""
    reply = held(seed_article, parent=thread, author_email="Follower+Blog@Example.org")
    bulk(moderator_client, django_capture_on_commit_callbacks, "approve", reply)
    assert inbox(FOLLOWER) == []
    assert len(inbox(AUTHOR)) == 1


def test_one_email_per_recipient_per_approval_batch(
    thread, seed_article, moderator_client, django_capture_on_commit_callbacks
):
    """Three comments approved together, two of them replies to Ada: one email each."""
    comments = [
        held(seed_article, parent=thread, body="First reply."),
        held(seed_article, parent=thread, body="Second reply."),
        held(seed_article, body="A new comment."),
    ]
    bulk(moderator_client, django_capture_on_commit_callbacks, "approve", *comments)
    [to_author] = inbox(AUTHOR)
    [to_follower] = inbox(FOLLOWER)
    assert to_follower.subject == f"[Relief Notes] 3 new comments on “{seed_article.title}”"
    for text in ["First reply.", "Second reply.", "A new comment."]:
        assert text in to_follower.body
    assert to_author.body.count("replied to your comment") == 2
    assert "A new comment." not in to_author.body  # Ada follows her comment, not the article


def test_several_articles_in_one_batch_one_email(
    thread, seed_article, moderator_client, django_capture_on_commit_callbacks
):
    """A follower of two articles gets one email for a batch spanning both, muting each apart."""
    other = ArticleFactory()
    follower = Mailbox.objects.by_email(FOLLOWER).get()
    Subscription.objects.create(
        mailbox=follower,
        kind=Subscription.Kind.ARTICLE,
        article=other,
        confirmed_at=timezone.now(),
    )
    comments = [held(seed_article), held(other)]
    bulk(moderator_client, django_capture_on_commit_callbacks, "approve", *comments)
    [message] = inbox(FOLLOWER)
    assert message.subject == "[Relief Notes] 2 new comments"
    assert message.body.count("Stop emails about this discussion") == 2


def test_approving_again_announces_nothing_new(
    thread, seed_article, moderator_client, django_capture_on_commit_callbacks
):
    """Approved, unapproved, approved again: each reader heard of it once."""
    reply = held(seed_article, parent=thread)
    for action in ["approve", "back_to_pending", "approve"]:
        bulk(moderator_client, django_capture_on_commit_callbacks, action, reply)
    assert len(inbox(AUTHOR)) == len(inbox(FOLLOWER)) == 1


def test_unapproved_before_the_worker_sent_it_goes_to_nobody(
    thread, seed_article, settings, django_capture_on_commit_callbacks, run_worker
):
    """Approved then undone before the email left: the worker finds nothing public to send."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    reset_task_backends()
    reply = held(seed_article, parent=thread)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(reply, Comment.Status.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(reply, Comment.Status.PENDING)
    run_worker()
    assert mail.outbox == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.CANCELLED}
    # Approved for good later: announced then.
    with django_capture_on_commit_callbacks(execute=True):
        change_status(reply, Comment.Status.APPROVED)
    run_worker()
    assert len(inbox(AUTHOR)) == len(inbox(FOLLOWER)) == 1


def test_the_approval_email_needs_the_same_consent(
    seed_article, moderator_client, django_capture_on_commit_callbacks
):
    """
    Asked from a browser the address was confirmed from: the one email, with the comment's
    link; asked from any other browser: nothing; never confirmed: asked to.
    """
    confirmed_mailbox(AUTHOR, "a" * 64)
    asked = held(seed_article, author_email=AUTHOR, notify_on_approval=True, trust_key="a" * 64)
    typed_elsewhere = held(
        seed_article, author_email=AUTHOR, notify_on_approval=True, trust_key="b" * 64
    )
    unconfirmed = held(seed_article, author_email="new@example.org", notify_on_approval=True)
    bulk(
        moderator_client,
        django_capture_on_commit_callbacks,
        "approve",
        asked,
        typed_elsewhere,
        unconfirmed,
    )
    [message] = inbox(AUTHOR)
    assert typed_elsewhere.get_full_url() not in message.body
    assert message.subject == f"[Relief Notes] Your comment on “{seed_article.title}” is published"
    assert asked.get_full_url() in message.body
    assert [m.subject for m in inbox("new@example.org")] == [
        "[Relief Notes] Please confirm your email address"
    ]


def test_a_site_reply_is_announced(
    thread, seed_article, moderator, django_capture_on_commit_callbacks
):
    """A reply written for the site (no email of its own) reaches the reader it answers."""
    reply = held(seed_article, parent=thread, author_email="", by_site=True)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(reply, Comment.Status.APPROVED, by=moderator)
    assert len(inbox(AUTHOR)) == 1
