"""sitemap.xml and robots.txt: what search engines may crawl, and when it last changed."""

from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone

from blog.models import Article
from comments.models import Comment, ModerationSettings
from tests.conftest import SITE_URL, post_as, reader
from tests.factories import ArticleFactory, CommentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap(client) -> dict[str, datetime | None]:
    """Each location in the sitemap with its lastmod."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    root = ElementTree.fromstring(response.content)
    return {
        url.findtext("s:loc", namespaces=NS): (
            datetime.fromisoformat(lastmod)
            if (lastmod := url.findtext("s:lastmod", namespaces=NS))
            else None
        )
        for url in root.findall("s:url", NS)
    }


def lastmod_of(client, article: Article) -> datetime:
    return sitemap(client)[f"{SITE_URL}{article.get_absolute_url()}"]


def hours_ago(hours: float) -> datetime:
    return (timezone.now() - timedelta(hours=hours)).replace(microsecond=0)


def is_now(moment: datetime) -> bool:
    return abs(timezone.now() - moment) < timedelta(minutes=1)


def test_sitemap_lists_home_and_published_articles_only(client, seed_article):
    """Drafts and scheduled articles are left out; every location is absolute on SITE_URL."""
    new = ArticleFactory()
    ArticleFactory(status=Article.Status.DRAFT)
    ArticleFactory(published_at=timezone.now() + timedelta(days=1))
    archives = {
        f"{SITE_URL}/archive/{moment:%Y}/{suffix}"
        for article in (seed_article, new)
        for moment in [timezone.localtime(article.published_at)]
        for suffix in ("", f"{moment:%m}/")
    }
    assert set(sitemap(client)) == {
        f"{SITE_URL}/",
        f"{SITE_URL}{seed_article.get_absolute_url()}",
        f"{SITE_URL}{new.get_absolute_url()}",
        *archives,
    }


def test_unpublished_article_leaves_the_sitemap(client, seed_article):
    """Taking an article back to draft removes it at once."""
    seed_article.status = Article.Status.DRAFT
    seed_article.save()
    assert sitemap(client) == {f"{SITE_URL}/": None}


@pytest.fixture
def old_article():
    """An article published and last edited three hours ago."""
    article = ArticleFactory(published_at=(three_hours_ago := hours_ago(3)))
    Article.objects.filter(pk=article.pk).update(
        updated_at=three_hours_ago, discussion_changed_at=three_hours_ago
    )
    article.edited_at = three_hours_ago
    return article


def test_lastmod_moves_when_the_article_is_edited(client, old_article):
    """Three hours old, then now once staff save an edit."""
    assert lastmod_of(client, old_article) == old_article.edited_at
    old_article.body += "\n\nA correction."
    old_article.save()
    assert is_now(lastmod_of(client, old_article))


def test_lastmod_moves_when_a_comment_is_approved_not_when_one_is_held(
    client, old_article, superuser_client
):
    """A held comment changes nothing readers see; approving it in the admin does."""
    comment = CommentFactory(
        article=old_article, status=Comment.Status.PENDING, created_at=hours_ago(2)
    )
    Comment.objects.filter(pk=comment.pk).update(updated_at=hours_ago(2))
    assert lastmod_of(client, old_article) == old_article.edited_at

    superuser_client.post(
        reverse("admin:comments_comment_changelist"),
        {"action": "approve", "_selected_action": [comment.pk]},
    )
    assert is_now(lastmod_of(client, old_article))


@pytest.mark.parametrize("caught", ["honeypot", "block word", "removed at once"])
def test_a_comment_caught_or_removed_before_anyone_saw_it_moves_nothing(
    client, old_article, superuser_client, caught
):
    """
    A sender cannot learn from the sitemap that their comment was caught as spam.

    Held, spam or removed without ever being public: lastmod and the sitemap's
    Last-Modified stay where they were, as for any held comment.
    """
    before = client.get("/sitemap.xml")
    data = {"author_name": "Sam", "author_email": "sam@example.org", "body": "Buy now"}
    if caught == "honeypot":
        data["subject"] = "a bot filled this in"
    if caught == "block word":
        ModerationSettings.objects.update_or_create(pk=1, defaults={"block_words": "Buy now"})
    assert post_as(reader(), old_article, data).status_code == 302
    if caught == "removed at once":
        superuser_client.post(
            reverse("admin:comments_comment_changelist") + "?status=all",
            {"action": "remove", "_selected_action": [Comment.objects.get().pk]},
        )
    assert Comment.objects.get().status != Comment.Status.APPROVED
    assert lastmod_of(client, old_article) == old_article.edited_at
    after = client.get("/sitemap.xml")
    assert after.get("Last-Modified") == before.get("Last-Modified")
    assert after["ETag"] == before["ETag"]


def test_lastmod_of_a_scheduled_article_is_its_publication(client):
    """Written a month ago, published yesterday: the page first appeared yesterday."""
    Article.objects.update(
        published_at=hours_ago(48), updated_at=hours_ago(48), discussion_changed_at=hours_ago(48)
    )
    yesterday = hours_ago(24)
    article = ArticleFactory(published_at=yesterday)
    Article.objects.filter(pk=article.pk).update(
        updated_at=hours_ago(24 * 30), discussion_changed_at=hours_ago(24 * 30)
    )
    assert lastmod_of(client, article) == yesterday
    assert sitemap(client)[f"{SITE_URL}/"] == yesterday


def test_robots_keeps_crawlers_out_of_the_admin_and_points_to_the_sitemap(client, seed_article):
    """Plain text; admin and reply-form duplicates disallowed; the sitemap named absolutely."""
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    lines = response.content.decode().splitlines()
    assert lines == [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /comments/stamp/",
        "Disallow: /*?replytocom=",
        "",
        f"Sitemap: {SITE_URL}/sitemap.xml",
    ]
    assert client.get(lines[-1].removeprefix(f"Sitemap: {SITE_URL}")).status_code == 200
