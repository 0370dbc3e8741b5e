"""
Status changes (comments/moderation.py): a comment that stops being public takes
its approved replies with it.

"Approved" alone means public: every count, feed and the JSON-LD counts
approved comments, and the page shows them. An approved reply under a removed
parent would be counted everywhere but shown nowhere, so it goes too.
"""

import json

import feedparser
import pytest
from bs4 import BeautifulSoup
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.urls import reverse

from comments.models import Comment
from tests.comments.conftest import APPROVED, CHANGELIST, PENDING, REMOVED, SPAM
from tests.conftest import migrated_back_to
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def thread(article) -> tuple[Comment, Comment, Comment]:
    """An approved comment, an approved reply to it, and an approved reply to that."""
    parent = CommentFactory(article=article, status=APPROVED, body="The question.")
    reply = CommentFactory(article=article, parent=parent, status=APPROVED, body="An answer.")
    deeper = CommentFactory(article=article, parent=reply, status=APPROVED, body="A follow-up.")
    return parent, reply, deeper


def every_comment(items: list[dict]) -> list[dict]:
    """The JSON-LD's Comment items, replies (nested in their parent's) included."""
    return [found for item in items for found in [item, *every_comment(item.get("comment", []))]]


def what_readers_see(client, article) -> dict[str, object]:
    """Every public place that counts or lists an article's comments."""
    page = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    home = BeautifulSoup(client.get(reverse("blog:home")).content, "html.parser")
    ld = json.loads(page.select_one('script[type="application/ld+json"]').string)
    site_feed = feedparser.parse(client.get(reverse("blog:comments-feed")).content)
    article_feed = feedparser.parse(
        client.get(reverse("blog:article-feed", args=[article.slug])).content
    )
    return {
        "shown": len(page.select("li.comment")),
        "heading": page.select_one("#comments-title").get_text(strip=True),
        "home": home.select_one(f'a[href="{article.get_absolute_url()}#comments"]').get_text(),
        "json-ld": (ld["commentCount"], len(every_comment(ld["comment"]))),
        "site feed": len(site_feed.entries),
        "article feed": len(article_feed.entries),
    }


def agreeing_on(count: int) -> dict[str, object]:
    heading = f"{count} Comment{'s' if count != 1 else ''}" if count else "Comments"
    home = f"{count} comment{'s' if count != 1 else ''}" if count else "No comments yet"
    return {
        "shown": count,
        "heading": heading,
        "home": home,
        "json-ld": (count, count),
        "site feed": count,
        "article feed": count,
    }


@pytest.mark.parametrize(
    ("action", "parent_status", "replies_status"),
    [
        ("remove", REMOVED, REMOVED),
        ("mark_as_spam", SPAM, REMOVED),
        ("back_to_pending", PENDING, PENDING),
    ],
)
def test_a_parent_leaving_takes_its_approved_replies_and_every_count_agrees(
    moderator_client, moderator, client, seed_article, action, parent_status, replies_status
):
    """After the parent goes, the page, heading, home page, feeds and JSON-LD all say 1."""
    parent, reply, deeper = thread(seed_article)
    other = CommentFactory(article=seed_article, status=APPROVED, body="Unrelated.")
    assert what_readers_see(client, seed_article) == agreeing_on(4)

    data = {"action": action, "index": "0", "_selected_action": [parent.pk]}
    response = moderator_client.post(f"{CHANGELIST}?status=all", data, follow=True)

    assert what_readers_see(client, seed_article) == agreeing_on(1)
    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert statuses == {
        parent.pk: parent_status,
        reply.pk: replies_status,
        deeper.pk: replies_status,
        other.pk: APPROVED,
    }
    went = "moved back to pending" if replies_status == PENDING else "removed"
    assert f"2 approved replies were {went} along with the comments they answer." in [
        str(message) for message in response.context["messages"]
    ]
    entry = LogEntry.objects.get(object_id=str(deeper.pk))
    assert entry.user == moderator
    assert entry.get_change_message() == (
        f"Status changed from Approved to {Comment.Status(replies_status).label}, "
        "with the comment it answers."
    )


def test_the_change_form_takes_the_replies_too(moderator_client, client, seed_article):
    """Changing the status on a comment's own page follows the same rule."""
    parent, reply, _ = thread(seed_article)
    url = reverse("admin:comments_comment_change", args=[parent.pk])
    data = {"status": REMOVED, "body": parent.body, "author_name": parent.author_name}
    response = moderator_client.post(url, {**data, "author_url": ""}, follow=True)
    assert response.status_code == 200
    assert what_readers_see(client, seed_article) == agreeing_on(0)
    reply.refresh_from_db()
    assert reply.status == REMOVED


def test_one_reply_is_said_in_the_singular(moderator_client, seed_article):
    """One follower: the singular sentence."""
    parent = CommentFactory(article=seed_article, status=APPROVED)
    CommentFactory(article=seed_article, parent=parent, status=APPROVED)
    data = {"action": "remove", "index": "0", "_selected_action": [parent.pk]}
    response = moderator_client.post(f"{CHANGELIST}?status=all", data, follow=True)
    assert "1 approved reply was removed along with the comment it answers." in [
        str(message) for message in response.context["messages"]
    ]


def test_held_replies_stay_held(moderator_client, seed_article):
    """Only approved replies follow: a pending or spam reply keeps its status."""
    parent = CommentFactory(article=seed_article, status=APPROVED)
    waiting = CommentFactory(article=seed_article, parent=parent, status=PENDING)
    spam = CommentFactory(article=seed_article, parent=parent, status=SPAM)
    data = {"action": "remove", "index": "0", "_selected_action": [parent.pk]}
    moderator_client.post(f"{CHANGELIST}?status=all", data)
    waiting.refresh_from_db()
    spam.refresh_from_db()
    assert (waiting.status, spam.status) == (PENDING, SPAM)


def test_removing_an_unapproved_comment_touches_nothing_else(moderator_client, seed_article):
    """A pending comment has no approved replies (they could not be approved): nothing follows."""
    parent = CommentFactory(article=seed_article, status=PENDING)
    reply = CommentFactory(article=seed_article, parent=parent, status=PENDING)
    data = {"action": "remove", "index": "0", "_selected_action": [parent.pk]}
    moderator_client.post(f"{CHANGELIST}?status=all", data)
    reply.refresh_from_db()
    assert reply.status == PENDING


@pytest.mark.django_db(transaction=True)
def test_the_migration_repairs_replies_stranded_by_older_code():
    """Approved replies under a held or removed comment, written before the rule, follow it."""
    old = migrated_back_to("comments", "0005_encrypt_existing_emails")
    article = old.get_model("blog", "Article").objects.create(
        title="Old", slug="old", body="Old.", body_html="<p>Old.</p>", status="published"
    )

    def written(status: str, parent=None):
        return old.get_model("comments", "Comment").objects.create(
            article=article, parent=parent, depth=parent.depth + 1 if parent else 1,
            author_name="Old", author_email="old@example.org", body="Old.", status=status,
        )  # fmt: skip

    held, removed, public = written(PENDING), written(REMOVED), written(APPROVED)
    under_held, under_removed = written(APPROVED, held), written(APPROVED, removed)
    below_that, public_reply = written(APPROVED, under_removed), written(APPROVED, public)

    call_command("migrate", verbosity=0)

    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert [statuses[c.pk] for c in (under_held, under_removed, below_that)] == [
        PENDING,
        REMOVED,
        REMOVED,
    ]
    assert statuses[public.pk] == statuses[public_reply.pk] == APPROVED
