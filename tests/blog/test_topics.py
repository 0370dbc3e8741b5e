"""Categories, tags, authors and date archives: on the article, on pages of their own, in feeds."""

import json
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from blog.models import Article
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, TagFactory

pytestmark = pytest.mark.django_db

SHARED = "public, max-age=0, s-maxage=1, stale-while-revalidate=0, stale-if-error=86400"


@pytest.fixture
def filed():
    """A published article with an author, a nested category and two tags."""
    gear = CategoryFactory(name="Gear", slug="gear", description="Things our feet live in.")
    shoes = CategoryFactory(name="Shoes & insoles", slug="shoes-and-insoles", parent=gear)
    merino = TagFactory(name="Merino", slug="merino", description="Wool socks.")
    arch = TagFactory(name="Arch support", slug="arch-support")
    jonas = AuthorFactory(name="Jonas Lindqvist", slug="jonas")
    article = ArticleFactory(
        title="Breaking in trail shoes",
        author=jonas,
        published_at=datetime(2025, 3, 14, 9, tzinfo=UTC),
    )
    article.categories.set([shoes])
    article.tags.set([merino, arch])
    return article


def test_article_shows_its_byline_categories_and_tags_linked(client, filed):
    """The reader sees who wrote it and what it is filed under, each linked to its page."""
    soup = BeautifulSoup(client.get(filed.get_absolute_url()).content, "html.parser")
    byline = soup.select_one("a.byline")
    assert (byline.get_text(), byline["href"]) == ("Jonas Lindqvist", "/authors/jonas/")
    categories = [(a.get_text(), a["href"]) for a in soup.select('a[rel="category"]')]
    assert categories == [("Shoes & insoles", "/categories/shoes-and-insoles/")]
    tags = [(a.get_text(), a["href"]) for a in soup.select('a[rel="tag"]')]
    assert tags == [("Arch support", "/tags/arch-support/"), ("Merino", "/tags/merino/")]


def test_json_ld_names_the_author_as_a_person(client, filed):
    """The article's schema.org author is its byline, with its page; sections and keywords too."""
    soup = BeautifulSoup(client.get(filed.get_absolute_url()).content, "html.parser")
    data = json.loads(soup.select_one('script[type="application/ld+json"]').string)
    assert data["author"] == {
        "@type": "Person",
        "name": "Jonas Lindqvist",
        "url": f"{settings.SITE_URL}/authors/jonas/",
    }
    assert data["articleSection"] == ["Shoes & insoles"]
    assert data["keywords"] == ["Arch support", "Merino"]


def test_article_without_byline_is_by_the_site(client, seed_article):
    """No author: no byline, and the JSON-LD author stays the site."""
    soup = BeautifulSoup(client.get(seed_article.get_absolute_url()).content, "html.parser")
    assert soup.select_one("a.byline") is None
    data = json.loads(soup.select_one('script[type="application/ld+json"]').string)
    assert data["author"]["@type"] == "Organization"


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/tags/merino/", "Merino"),
        ("/categories/shoes-and-insoles/", "Shoes & insoles"),
        ("/categories/gear/", "Gear"),  # a parent lists its children's articles
        ("/authors/jonas/", "Jonas Lindqvist"),
        ("/archive/2025/", "2025"),
        ("/archive/2025/03/", "March 2025"),
    ],
)
def test_listing_pages_list_the_published_article_and_are_shared(client, filed, path, heading):
    """Each topic and archive page lists its published articles, for every reader alike."""
    ArticleFactory(title="Hidden draft", status=Article.Status.DRAFT, author=filed.author)
    response = client.get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == SHARED and response.has_header("ETag")
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.h1.get_text() == heading
    titles = [h2.get_text(strip=True) for h2 in soup.select("article.entry-summary h2")]
    assert titles == ["Breaking in trail shoes"]
    assert client.get(path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_topic_page_shows_its_description_and_feed(client, filed):
    """A tag's page carries its description and links its own feed."""
    soup = BeautifulSoup(client.get("/tags/merino/").content, "html.parser")
    assert soup.select_one(".standfirst").get_text() == "Wool socks."
    assert soup.select_one('link[rel="alternate"][href="/tags/merino/feed/"]')


@pytest.mark.parametrize(
    "path", ["/tags/merino/feed/", "/categories/gear/feed/", "/authors/jonas/feed/"]
)
def test_topic_feeds_list_the_article_with_its_author(client, filed, path):
    """Each topic's feed holds its published articles, with the byline as the item's author."""
    response = client.get(path)
    assert response.status_code == 200 and response["Cache-Control"] == SHARED
    feed = feedparser.parse(response.content)
    assert [entry.title for entry in feed.entries] == ["Breaking in trail shoes"]
    assert feed.entries[0].author == "Jonas Lindqvist"


@pytest.mark.parametrize(
    "path",
    [
        "/tags/nope/",
        "/tags/nope/feed/",
        "/categories/nope/",
        "/authors/nope/",
        "/archive/2024/",
        "/archive/2025/02/",
        "/archive/2025/13/",
        "/archive/2025/3/",
        "/archive/0000/",
        "/archive/9999/",
        "/tags/merino/?page=2",
    ],
)
def test_unknown_topics_dates_and_pages_are_404(client, filed, path):
    """No such topic, an empty or impossible date, a page past the last: 404, never a 500."""
    assert client.get(path).status_code == 404


def test_drafts_and_future_articles_are_on_no_listing(client, filed):
    """A draft or a scheduled article filed under a tag is not on its page until published."""
    tag = filed.tags.get(slug="merino")
    draft = ArticleFactory(title="Secret draft", status=Article.Status.DRAFT)
    later = ArticleFactory(title="Tomorrow", published_at=timezone.now() + timedelta(days=1))
    for article in (draft, later):
        article.tags.add(tag)
    content = client.get("/tags/merino/").content.decode()
    assert "Secret draft" not in content and "Tomorrow" not in content


def test_long_listings_are_paged(client):
    """A tag on 45 articles: three pages of 20, linked to each other, newest first."""
    tag = TagFactory(slug="stretching")
    now = timezone.now()
    for number in range(45):
        article = ArticleFactory(
            title=f"Stretch {number}", published_at=now - timedelta(hours=number + 1)
        )
        article.tags.add(tag)
    first = BeautifulSoup(client.get("/tags/stretching/").content, "html.parser")
    assert len(first.select("article.entry-summary")) == 20
    assert first.select_one('a[rel="next"]')["href"] == "/tags/stretching/?page=2"
    third = BeautifulSoup(client.get("/tags/stretching/?page=3").content, "html.parser")
    assert [h2.get_text(strip=True) for h2 in third.select("article h2")] == [
        f"Stretch {n}" for n in range(40, 45)
    ]
    second = BeautifulSoup(client.get("/tags/stretching/?page=2").content, "html.parser")
    assert second.select_one('a[rel="prev"]')["href"] == "/tags/stretching/"


def test_home_page_is_paged_on_a_big_blog(client):
    """A blog of many articles never puts them all on its home page."""
    ArticleFactory.create_batch(45)
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    assert len(soup.select("article.entry-summary")) == 20
    assert soup.select_one('a[rel="next"]')["href"] == "/?page=2"


def test_renaming_a_tag_changes_the_article_page(client, filed):
    """A tag renamed in the admin shows under its new name on the article (no stale copy)."""
    first = client.get(filed.get_absolute_url())
    tag = filed.tags.get(slug="merino")
    tag.name = "Merino wool"
    tag.save()
    again = client.get(filed.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert b"Merino wool" in again.content


def test_filing_an_article_under_a_tag_changes_its_page(client, filed):
    """Adding a tag without saving the article still gives readers a new version."""
    first = client.get(filed.get_absolute_url())
    filed.tags.add(TagFactory(name="Blisters"))
    again = client.get(filed.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and b"Blisters" in again.content


def test_sitemap_lists_topics_and_archives(client, filed):
    """The sitemap holds each topic with a published article and each month and year."""
    TagFactory(slug="unused")
    content = client.get(reverse("sitemap")).content.decode()
    for path in (
        "/tags/merino/",
        "/categories/gear/",
        "/categories/shoes-and-insoles/",
        "/authors/jonas/",
        "/archive/2025/",
        "/archive/2025/03/",
    ):
        assert f"<loc>{settings.SITE_URL}{path}</loc>" in content, path
    assert "/tags/unused/" not in content


def test_clearing_a_tag_from_its_own_side_changes_the_article_page(client, filed):
    """tag.articles_tagged.clear() names no article: the article's page still moves on."""
    first = client.get(filed.get_absolute_url())
    filed.tags.get(slug="merino").articles_tagged.clear()
    again = client.get(filed.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and b"/tags/merino/" not in again.content


def test_deleting_a_tag_changes_the_article_page(client, filed):
    """A tag deleted (its rows go by cascade, with no m2m signal): the page drops it."""
    first = client.get(filed.get_absolute_url())
    filed.tags.get(slug="merino").delete()
    again = client.get(filed.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and b"/tags/merino/" not in again.content
