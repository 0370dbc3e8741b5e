"""Home and article pages, as the public and staff see them."""

from datetime import datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Article
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


def hidden_articles():
    """A draft and a future-dated article: neither is public."""
    return [
        ArticleFactory(status=Article.Status.DRAFT, title="Secret draft"),
        ArticleFactory(published_at=timezone.now() + timedelta(days=2), title="Tomorrow's news"),
    ]


def test_home_lists_published_articles_with_date_standfirst_and_count(client, seed_article):
    """Each published article: linked title, date, standfirst and approved-comment count."""
    CommentFactory.create_batch(2, article=seed_article)
    CommentFactory(article=seed_article, status="pending")
    response = client.get("/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    entry = soup.select_one("article.entry-summary")
    assert entry.h2.a["href"] == seed_article.get_absolute_url()
    assert entry.h2.get_text(strip=True) == seed_article.title
    assert datetime.fromisoformat(
        entry.select_one("time")["datetime"]
    ) == seed_article.published_at.replace(microsecond=0)
    assert entry.select_one(".standfirst").get_text() == "Does Massage Help Foot Cramps?"
    assert "2 comments" in entry.get_text()


def test_home_hides_drafts_and_future_articles_even_from_staff(staff_client, seed_article):
    """The home page is the public list; staff preview from the admin."""
    hidden_articles()
    for client in (Client(), staff_client):
        content = client.get("/").content.decode()
        assert seed_article.title in content
        assert "Secret draft" not in content
        assert "Tomorrow" not in content


def test_home_says_when_nothing_is_published(client):
    """An empty blog says so instead of showing a blank page."""
    Article.objects.all().delete()
    response = client.get("/")
    assert response.status_code == 200
    assert "Nothing has been published yet." in response.content.decode()


def test_home_query_count_does_not_grow_with_articles(client):
    """One article or a full page of them: the same three queries (version, page count, rows)."""

    def queries_for_home() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/").status_code == 200
        return len(context)

    with_one = queries_for_home()
    for article in ArticleFactory.create_batch(25):
        CommentFactory.create_batch(2, article=article)
    assert queries_for_home() == with_one == 3


def test_article_page_is_semantic(client, seed_article):
    """Landmarks, language, time element, meta description and canonical link."""
    soup = BeautifulSoup(client.get(seed_article.get_absolute_url()).content, "html.parser")
    assert soup.html["lang"] == "en"
    for landmark in ("header", "main", "article", "footer"):
        assert soup.find(landmark) is not None, landmark
    assert datetime.fromisoformat(
        soup.select_one("article time")["datetime"]
    ) == seed_article.published_at.replace(microsecond=0)
    description = soup.find("meta", attrs={"name": "description"})["content"]
    assert description == seed_article.standfirst
    canonical = soup.find("link", rel="canonical")["href"]
    assert canonical == "http://127.0.0.1:8000" + seed_article.get_absolute_url()


def test_article_page_loads_nothing_from_other_sites(client, seed_article):
    """Every stylesheet, script, image and icon is served by the site itself.

    The canonical address and the Webmention endpoint are absolute, and never loaded."""
    soup = BeautifulSoup(client.get(seed_article.get_absolute_url()).content, "html.parser")
    urls = [tag.get("href") for tag in soup.find_all("link")]
    urls += [tag.get("src") for tag in soup.find_all(["script", "img", "iframe"])]
    external = [url for url in urls if url and url.startswith(("http:", "https:", "//"))]
    named = [soup.find("link", rel=rel)["href"] for rel in ("canonical", "webmention")]
    assert sorted(external) == sorted(named)


@pytest.mark.parametrize("path", ["/articles/no-such-article/", "/no/such/page/"])
def test_unknown_addresses_get_the_styled_404(client, path):
    """An unknown slug or path answers 404 with the site's own page."""
    response = client.get(path)
    assert response.status_code == 404
    content = response.content.decode()
    assert "Page not found" in content
    assert "site.css" in content


def test_drafts_and_future_articles_are_404_to_the_public(client):
    """Readers cannot reach an article before it is published."""
    for article in hidden_articles():
        response = client.get(article.get_absolute_url())
        assert response.status_code == 404
        assert article.title not in response.content.decode()


def test_staff_preview_drafts_uncached(staff_client):
    """Staff read unpublished articles, marked as a preview and never cached."""
    for article in hidden_articles():
        response = staff_client.get(article.get_absolute_url())
        assert response.status_code == 200
        assert "Preview: readers cannot see this article yet." in response.content.decode()
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_published_article_is_not_marked_as_preview(staff_client, seed_article):
    """A published article reads the same for staff, without the preview note."""
    response = staff_client.get(seed_article.get_absolute_url())
    assert "Preview:" not in response.content.decode()


def test_server_error_page_is_styled_and_says_what_to_do(client, settings):
    """A crash shows the site's 500 page, with no detail of the error."""
    settings.ROOT_URLCONF = "tests.blog.crash_urls"
    client.raise_request_exception = False
    response = client.get("/crash/")
    assert response.status_code == 500
    content = response.content.decode()
    assert "Something went wrong" in content
    assert "please try again" in content
    assert "RuntimeError" not in content
