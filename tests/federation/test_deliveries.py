"""
A published article reaches every follower's server once: a Create of an Article (a
shared inbox once for all its followers), Update on an edit, Delete on unpublishing,
through a durable outbox with retries, so a server that is down loses nothing and no
server gets anything twice. A reply from the desk goes back to its fediverse author.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from blog.models import Article
from comments.models import Comment
from federation import delivery
from federation.models import Outgoing
from lib.worker import worker_round
from tests.conftest import reset_task_backends
from tests.factories import ArticleFactory
from tests.federation.conftest import (
    assert_signed_by_the_blog,
    create_activity,
    follow_activity,
    post_activity,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def followers(server, peer, alice, bob, site_url, django_capture_on_commit_callbacks):
    """Alice and bob, on one server with a shared inbox, follow the blog (their Accepts sent)."""
    with django_capture_on_commit_callbacks(execute=True):
        for account in (alice, bob):
            assert post_activity(server, account, follow_activity(account)).status_code == 202
    # Their Accepts went (tests/federation/test_inbox.py); what follows is about articles.
    assert set(Outgoing.objects.values_list("status", flat=True)) == {Outgoing.Status.SENT}
    Outgoing.objects.all().delete()
    peer.received.clear()
    return [alice, bob]


def test_a_published_article_is_delivered_once_per_server(
    followers, peer, django_capture_on_commit_callbacks
):
    """Two followers on one server: one Create of the Article, to its shared inbox, signed."""
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(title="Night cramps", standfirst="Why they come at night.")
    (sent,) = peer.deliveries()
    assert sent.path == "/inbox"
    activity = sent.json()
    assert activity["type"] == "Create"
    assert activity["object"]["type"] == "Article"
    assert activity["object"]["id"] == article.get_full_url()
    assert activity["object"]["name"] == "Night cramps"
    assert activity["object"]["summary"] == "Why they come at night."
    assert activity["object"]["url"] == article.get_full_url()
    assert "<p>" in activity["object"]["content"]
    assert_signed_by_the_blog(sent)
    assert Outgoing.objects.get().status == Outgoing.Status.SENT


def test_an_edit_sends_update_and_unpublishing_sends_delete(
    followers, peer, django_capture_on_commit_callbacks
):
    """Edit → Update; a save that changes nothing → nothing; unpublish → Delete; once each."""
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory()
        article.title = "A better title"
        article.save()
        article.save()
        article.status = Article.Status.DRAFT
        article.save()
        article.save()
    kinds = [sent.json()["type"] for sent in peer.deliveries()]
    assert kinds == ["Create", "Update", "Delete"]
    assert peer.deliveries()[1].json()["object"]["name"] == "A better title"
    assert peer.deliveries()[2].json()["object"] == {
        "id": article.get_full_url(),
        "type": "Tombstone",
    }


def test_a_draft_is_not_delivered_and_a_deleted_article_is(
    followers, peer, django_capture_on_commit_callbacks
):
    """A draft goes nowhere; publishing it sends Create; deleting it sends Delete."""
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(status=Article.Status.DRAFT)
    assert peer.deliveries() == []
    with django_capture_on_commit_callbacks(execute=True):
        article.status = Article.Status.PUBLISHED
        article.save()
        article.delete()
    assert [sent.json()["type"] for sent in peer.deliveries()] == ["Create", "Delete"]


def test_a_scheduled_article_is_delivered_by_the_worker_once_its_time_comes(
    followers, peer, django_capture_on_commit_callbacks
):
    """Saved an hour ago for a minute ago: no save delivers it, the worker's round does, once."""
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(published_at=timezone.now() + timedelta(hours=1))
    assert peer.deliveries() == []
    now = timezone.now()
    Article.objects.filter(pk=article.pk).update(
        published_at=now - timedelta(minutes=1), updated_at=now - timedelta(hours=1)
    )
    # An old post that came out long ago without a save (an import) is not news.
    old = ArticleFactory(published_at=now + timedelta(hours=1))
    Article.objects.filter(pk=old.pk).update(
        published_at=now - timedelta(days=30), updated_at=now - timedelta(days=31)
    )
    for _round in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            worker_round.send(sender=None)
    (sent,) = peer.deliveries()
    assert sent.json()["type"] == "Create"
    assert sent.json()["object"]["id"] == article.get_full_url()


def test_a_server_that_is_down_gets_it_later_and_once(
    followers, peer, settings, django_capture_on_commit_callbacks
):
    """503 then up: retried after the backoff (not before), delivered once, even if run twice."""
    peer.inbox_status = 503
    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory()
    row = Outgoing.objects.get()
    assert row.status == Outgoing.Status.QUEUED
    assert row.attempts == 1
    assert "503" in row.last_error
    assert row.due_at > timezone.now() + timedelta(seconds=50)
    peer.inbox_status = 202
    assert delivery.recover() == 0  # not due yet
    Outgoing.objects.update(due_at=timezone.now())
    assert delivery.recover() == 1
    delivery.deliver.call(row.pk)  # a task queued twice
    row.refresh_from_db()
    assert row.status == Outgoing.Status.SENT
    assert row.attempts == 2
    assert len(peer.deliveries()) == 2  # the 503 and the one that landed
    assert [r.json()["id"] for r in peer.deliveries()][0] == row.activity_id


def test_a_server_that_refuses_fails_for_good(followers, peer, django_capture_on_commit_callbacks):
    """A 4xx (the server says no): failed at once, kept for staff, never retried."""
    peer.inbox_status = 410
    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory()
    row = Outgoing.objects.get()
    assert row.status == Outgoing.Status.FAILED
    assert delivery.recover() == 0


def test_a_killed_worker_is_recovered(followers, peer):
    """A delivery left 'sending' past its lease (its worker was killed) is sent again."""
    ArticleFactory()  # no commit callbacks: its task never reached the queue
    row = Outgoing.objects.get()
    Outgoing.objects.update(
        status=Outgoing.Status.SENDING, claimed_at=timezone.now() - timedelta(hours=1), attempts=1
    )
    assert delivery.recover() == 1
    row.refresh_from_db()
    assert row.status == Outgoing.Status.SENT
    assert len(peer.deliveries()) == 1


def test_the_email_worker_runs_fediverse_deliveries(followers, peer, settings, run_worker):
    """`manage.py email_worker --batch` recovers and sends what waits, fediverse included."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    reset_task_backends()
    ArticleFactory()  # its task never reached the queue: the web process died after the commit
    Outgoing.objects.update(queued_at=timezone.now() - timedelta(hours=1))
    run_worker()
    assert Outgoing.objects.get().status == Outgoing.Status.SENT
    assert len(peer.deliveries()) == 1


def test_a_reply_from_the_desk_goes_back_in_thread(
    server,
    peer,
    alice,
    site_url,
    seed_article,
    superuser_client,
    django_capture_on_commit_callbacks,
):
    """Reply as the site to alice's comment: a Note in reply to hers, to her inbox, naming her."""
    note = peer.note(alice, 3, seed_article.get_full_url(), "<p>Does it help?</p>")
    post_activity(server, alice, create_activity(alice, note))
    comment = Comment.objects.get(fediverse_handle=alice.handle)
    peer.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            reverse("admin:comments_comment_reply", args=[comment.pk]),
            {"body": "It does, every night.", "seen": "pending", "text": comment.text_digest()},
        )
    assert response.status_code == 303
    (sent,) = peer.deliveries()
    assert sent.path == "/users/alice/inbox"
    activity = sent.json()
    assert activity["type"] == "Create"
    assert activity["object"]["type"] == "Note"
    assert activity["object"]["inReplyTo"] == note["id"]
    assert activity["object"]["content"] == "<p>It does, every night.</p>"
    assert alice.id in activity["object"]["cc"]
    assert_signed_by_the_blog(sent)


def test_an_article_published_again_is_created_again(
    followers, peer, django_capture_on_commit_callbacks
):
    """Published, withdrawn, published again unchanged: Create, Delete, Create."""
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory()
        for status in (Article.Status.DRAFT, Article.Status.PUBLISHED):
            article.status = status
            article.save()
    kinds = [sent.json()["type"] for sent in peer.deliveries()]
    assert kinds == ["Create", "Delete", "Create"]
    ids = [sent.json()["id"] for sent in peer.deliveries()]
    assert len(set(ids)) == 3


def test_remembered_activity_ids_are_forgotten_after_a_day(server, alice, site_url):
    """The same id past a day would fail the Date check anyway: the table does not grow."""
    from federation.models import Seen

    post_activity(server, alice, follow_activity(alice))
    assert Seen.objects.count() == 1
    Seen.objects.update(received_at=timezone.now() - timedelta(days=2))
    delivery.recover()
    assert not Seen.objects.exists()


def test_the_sites_reply_is_a_note_at_its_permalink(
    server, peer, alice, site_url, seed_article, superuser_client
):
    """Mastodon fetching the reply's id gets the Note; a browser, the redirect to the page."""
    note = peer.note(alice, 4, seed_article.get_full_url(), "<p>And you?</p>")
    post_activity(server, alice, create_activity(alice, note))
    comment = Comment.objects.get(fediverse_handle=alice.handle)
    superuser_client.post(
        reverse("admin:comments_comment_reply", args=[comment.pk]),
        {"body": "Me too.", "seen": "pending", "text": comment.text_digest()},
    )
    reply = Comment.objects.get(by_site=True)
    accept = {"Accept": "application/activity+json"}
    fetched = server.get(reply.get_absolute_url(), headers=accept)
    assert fetched.status_code == 200
    assert fetched.json()["id"] == reply.get_full_url()
    assert fetched.json()["inReplyTo"] == note["id"]
    assert server.get(reply.get_absolute_url()).status_code == 302
    # Alice's own comment is hers, not the site's: no Note of ours at its permalink.
    assert server.get(comment.get_absolute_url(), headers=accept).status_code == 302


def test_staff_see_failed_deliveries_and_send_them_again(
    followers, peer, superuser_client, django_capture_on_commit_callbacks
):
    """The admin lists the failure with the inbox's answer; "send again" delivers it, once."""
    peer.inbox_status = 410
    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory()
    row = Outgoing.objects.get()
    listing = superuser_client.get(
        reverse("admin:federation_outgoing_changelist") + "?status=failed"
    )
    assert "The inbox answered 410." in listing.content.decode()
    assert "Create" in listing.content.decode()
    peer.inbox_status = 202
    response = superuser_client.post(
        reverse("admin:federation_outgoing_changelist"),
        {"action": "send_again", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    delivery.recover()
    row.refresh_from_db()
    assert row.status == Outgoing.Status.SENT
    followers_page = superuser_client.get(reverse("admin:federation_follower_changelist"))
    assert followers[0].handle in followers_page.content.decode()
