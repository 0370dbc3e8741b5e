"""Feeds: articles (RSS and Atom) and approved comments, absolute, valid, with nothing private."""

from datetime import timedelta

import feedparser
import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from blog.models import Article
from comments.models import Comment, CommentRevision
from tests.conftest import SITE_URL
from tests.factories import ArticleFactory, CommentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


def fetch(client, url: str) -> tuple[feedparser.FeedParserDict, str]:
    response = client.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert parsed.bozo is False, parsed.get("bozo_exception")
    return parsed, response.content.decode()


@pytest.fixture
def articles(seed_article):
    """The seed article, one more published, a draft and one scheduled for tomorrow."""
    return {
        "seed": seed_article,
        "new": ArticleFactory(title="Stretches & splints", published_at=timezone.now()),
        "draft": ArticleFactory(title="Draft", status=Article.Status.DRAFT),
        "future": ArticleFactory(title="Tomorrow", published_at=timezone.now() + timedelta(days=1)),
    }


@pytest.mark.parametrize(("url", "version"), [("/feed/", "rss20"), ("/feed/atom/", "atom10")])
def test_article_feeds_list_published_articles_newest_first(client, articles, url, version):
    """RSS and Atom list what the public may read, with absolute links on the site's address."""
    parsed, _ = fetch(client, url)
    assert parsed.version == version
    assert parsed.feed.title == "Relief Notes"
    assert parsed.feed.link == f"{SITE_URL}/"
    assert [entry.title for entry in parsed.entries] == [
        "Stretches & splints",
        articles["seed"].title,
    ]
    assert parsed.entries[0].link == f"{SITE_URL}{articles['new'].get_absolute_url()}"
    whole = parsed.entries[1].content[0].value if version == "atom10" else parsed.entries[1].summary
    assert "<h2>" in whole
    assert all(entry.published_parsed for entry in parsed.entries)


def test_atom_article_feed_carries_the_article_in_content(client, articles):
    """Each Atom entry holds the whole article as HTML content, and its standfirst as summary."""
    seed = articles["seed"]
    parsed, raw = fetch(client, "/feed/atom/")
    entry = next(entry for entry in parsed.entries if entry.title == seed.title)
    [content] = entry.content
    assert content.type == "text/html"
    assert content.value == seed.body_html
    assert entry.summary == seed.standfirst
    assert raw.count("<content ") == len(parsed.entries)


@pytest.fixture
def site_comments(articles):
    """Approved comments on two articles, one held, one spam, one on the draft."""
    seed, new = articles["seed"], articles["new"]
    now = timezone.now()
    return {
        "first": CommentFactory(
            article=seed,
            author_name="Maya <b>Okafor</b>",
            author_email="maya@example.net",
            author_url="https://maya.example/",
            body="Line one <script>alert(1)</script>\nLine two",
            ip_address="203.0.113.7",
            user_agent="SecretBrowser/1.0",
            created_at=now - timedelta(hours=3),
        ),
        "other": CommentFactory(
            article=new, author_name="Sam", created_at=now - timedelta(hours=2)
        ),
        "held": CommentFactory(
            article=seed, author_name="Held", status=Comment.Status.PENDING, created_at=now
        ),
        "spam": CommentFactory(article=seed, author_name="Spammer", status=Comment.Status.SPAM),
        "hidden": CommentFactory(article=articles["draft"], author_name="On a draft"),
    }


def test_site_comments_feed_has_approved_comments_on_published_articles(client, site_comments):
    """Newest first; no held or spam comment, nothing from a draft; each links to its anchor."""
    parsed, _ = fetch(client, reverse("blog:comments-feed"))
    assert [entry.author for entry in parsed.entries] == ["Sam", "Maya <b>Okafor</b>"]
    maya = parsed.entries[1]
    assert maya.link == f"{SITE_URL}{site_comments['first'].get_absolute_url()}"
    assert maya.title.startswith("Comment on Unlocking Relief")


def test_comment_text_arrives_as_text_not_markup(client, site_comments):
    """A reader's markup is shown, never run, by a feed reader; line breaks survive."""
    parsed, _ = fetch(client, reverse("blog:comments-feed"))
    summary = parsed.entries[1].summary
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary
    assert "<script>" not in summary
    assert "Line one" in summary and "<br />Line two" in summary


def test_article_comments_feed_has_only_that_articles_comments(client, site_comments, articles):
    """One article's approved comments, titled by author, linking back to the article."""
    url = reverse("blog:article-feed", args=[articles["seed"].slug])
    parsed, _ = fetch(client, url)
    assert parsed.feed.title == f"Comments on {articles['seed'].title}"
    assert parsed.feed.link == f"{SITE_URL}{articles['seed'].get_absolute_url()}"
    assert [entry.title for entry in parsed.entries] == ["By Maya <b>Okafor</b>"]


@pytest.mark.parametrize("which", ["draft", "future"])
def test_feed_of_an_unpublished_article_is_404(client, articles, which):
    """Drafts and scheduled articles have no public feed, as they have no public page."""
    url = reverse("blog:article-feed", args=[articles[which].slug])
    assert client.get(url).status_code == 404
    assert client.get("/articles/no-such-article/feed/").status_code == 404


def test_feed_of_an_article_taken_back_to_draft_is_404(client, articles, site_comments):
    """Unpublishing takes an article's comments feed down and its comments out of the site's."""
    seed = articles["seed"]
    seed.status = Article.Status.DRAFT
    seed.save()
    assert client.get(reverse("blog:article-feed", args=[seed.slug])).status_code == 404
    parsed, _ = fetch(client, reverse("blog:comments-feed"))
    assert [entry.author for entry in parsed.entries] == ["Sam"]


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/", "/comments/feed/"])
def test_feeds_carry_no_email_ip_or_user_agent(client, site_comments, url):
    """Nothing a commenter gave privately, nor their website, is in any feed."""
    article_feed = reverse("blog:article-feed", args=[site_comments["first"].article.slug])
    for address in (url, article_feed):
        _, raw = fetch(client, address)
        for private in ("maya@example.net", "203.0.113.7", "SecretBrowser", "maya.example"):
            assert private not in raw


def test_every_page_announces_its_feeds(client, articles):
    """Autodiscovery: pages name the site's feeds (and an article's own), and each one answers."""
    home = BeautifulSoup(client.get("/").content, "html.parser")
    found = {(link["type"], link["href"]) for link in home.select('link[rel="alternate"]')}
    assert found == {
        ("application/rss+xml", "/feed/"),
        ("application/atom+xml", "/feed/atom/"),
        ("application/atom+xml", "/comments/feed/"),
    }
    article = BeautifulSoup(client.get(articles["seed"].get_absolute_url()).content, "html.parser")
    hrefs = [link["href"] for link in article.select('link[rel="alternate"]')]
    assert reverse("blog:article-feed", args=[articles["seed"].slug]) in hrefs
    for href in hrefs:
        fetch(client, href)


def test_each_comment_entry_has_its_own_updated_time(client, seed_article):
    """
    Comments approved together in one batch still differ in ``updated``: it is
    each comment's own time (or its last edit), not the moment of approval.
    """
    now = timezone.now()
    held = [
        CommentFactory(
            article=seed_article,
            status=Comment.Status.PENDING,
            created_at=now - timedelta(minutes=minutes),
        )
        for minutes in (30, 20, 10)
    ]
    Comment.objects.filter(pk__in=[c.pk for c in held]).update(status=Comment.Status.APPROVED)
    edited = held[0]
    edited_at = now - timedelta(minutes=1)
    CommentRevision.objects.create(
        comment=edited, change=CommentRevision.Change.EDITED, body="Before.",
        status=edited.status, created_at=edited_at,
    )  # fmt: skip
    for url in ("/comments/feed/", f"{seed_article.get_absolute_url()}feed/"):
        parsed, raw = fetch(client, url)
        updated = [entry.updated for entry in parsed.entries]
        assert len(set(updated)) == len(updated) == 3, (url, updated)
        by_link = {entry.link: entry.updated for entry in parsed.entries}
        assert by_link[f"{SITE_URL}{edited.get_absolute_url()}"] == edited_at.isoformat()
        newest = held[2]
        assert by_link[f"{SITE_URL}{newest.get_absolute_url()}"] == newest.created_at.isoformat()
