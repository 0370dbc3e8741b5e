"""The article model: publication rules, rendering, comment closing."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from blog.models import Article
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

PAST = timedelta(days=-1)
FUTURE = timedelta(days=1)


@pytest.mark.parametrize(
    ("status", "offset", "public"),
    [
        (Article.Status.PUBLISHED, PAST, True),
        (Article.Status.PUBLISHED, FUTURE, False),
        (Article.Status.DRAFT, PAST, False),
        (Article.Status.DRAFT, FUTURE, False),
    ],
)
def test_published_matrix(status, offset, public):
    """Only a published article dated now or earlier is public, in queryset and instance alike."""
    article = ArticleFactory(status=status, published_at=timezone.now() + offset)
    assert Article.objects.published().filter(pk=article.pk).exists() is public
    assert article.is_published() is public


def test_save_renders_markdown_to_html():
    """The body's Markdown is rendered on save, headings and emphasis included."""
    article = ArticleFactory(body="## Heading\n\nSome **bold** text.")
    assert article.body_html == "<h2>Heading</h2>\n<p>Some <strong>bold</strong> text.</p>"


def test_save_with_update_fields_keeps_html_in_step():
    """Saving only the body still stores its new rendering."""
    article = ArticleFactory(body="old")
    article.body = "new *text*"
    article.save(update_fields=["body"])
    article.refresh_from_db()
    assert article.body_html == "<p>new <em>text</em></p>"


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="https://x.test" style="color:red">x</a>', "style="),
        ("<iframe src='https://x.test'></iframe>", "<iframe"),
    ],
)
def test_rendered_html_is_sanitized(markdown, forbidden):
    """Scripts, event handlers, javascript: links and embeds never reach the page."""
    article = ArticleFactory(body=markdown)
    assert forbidden not in article.body_html


def test_links_in_articles_get_noopener():
    """Links written in an article keep working and cannot reach back to the page."""
    article = ArticleFactory(body="[a link](https://example.org/)")
    assert 'href="https://example.org/"' in article.body_html
    assert 'rel="noopener"' in article.body_html


@pytest.mark.parametrize(
    ("flag", "close_offset", "open_"),
    [
        (True, None, True),
        (True, FUTURE, True),
        (True, PAST, False),
        (False, None, False),
        (False, FUTURE, False),
    ],
)
def test_comments_are_open_matrix(flag, close_offset, open_):
    """Comments are open while the flag is on and the closing time has not passed."""
    close_at = None if close_offset is None else timezone.now() + close_offset
    article = ArticleFactory(comments_open=flag, comments_close_at=close_at)
    assert article.comments_are_open() is open_


def test_the_home_page_counts_approved_comments_only(client):
    """Each article's count on the home page is of its approved comments; others do not count."""
    article = ArticleFactory(title="Counted")
    CommentFactory.create_batch(3, article=article)
    for status in ("pending", "spam", "removed"):
        CommentFactory(article=article, status=status)
    empty = ArticleFactory(title="Quiet")
    home = BeautifulSoup(client.get("/").content, "html.parser")
    counts = {
        link.get_text(): home.select_one(f'a[href="{link["href"]}#comments"]').get_text()
        for link in home.select(".entry-summary h2 a")
        if link.get_text() in {article.title, empty.title}
    }
    assert counts == {"Counted": "3 comments", "Quiet": "No comments yet"}


def test_str_and_url():
    """An article reads as its title and lives at its slug."""
    article = ArticleFactory(title="Hello", slug="hello")
    assert str(article) == "Hello"
    assert article.get_absolute_url() == "/articles/hello/"
