"""
Links in comments, the way WordPress readers expect: a bare http(s) address
becomes a link that lends the site's standing to no one; nothing else a reader
types becomes markup.
"""

from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comments.text import comment_html
from tests.conftest import text_of
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def content_of(client, comment) -> BeautifulSoup:
    page = client.get(comment.article.get_absolute_url())
    soup = BeautifulSoup(page.content, "html.parser")
    return soup.select_one(f"#comment-{comment.pk} .comment-content")


@pytest.mark.parametrize(
    ("typed", "linked"),
    [
        ("See https://example.com/stretches for more.", ["https://example.com/stretches"]),
        ("http://example.org", ["http://example.org"]),
        ("Two: https://a.example/x, and https://b.example/y.", ["https://a.example/x", "https://b.example/y"]),
        ("(https://example.com/page)", ["https://example.com/page"]),
        ("https://en.wikipedia.org/wiki/Cramp_(medicine)", ["https://en.wikipedia.org/wiki/Cramp_(medicine)"]),
        ("Really? https://example.com/?q=a&b=c!", ["https://example.com/?q=a&b=c"]),
        ("HTTPS://EXAMPLE.COM/Up", ["HTTPS://EXAMPLE.COM/Up"]),
        ("“https://example.com/quoted”", ["https://example.com/quoted"]),
        ("<https://example.com/angle>", ["https://example.com/angle"]),
        ("https://例え.jp/パス", ["https://例え.jp/パス"]),
        ("https://example.com:8443/x#top", ["https://example.com:8443/x#top"]),
    ],
)  # fmt: skip
def test_bare_web_addresses_become_links_marked_as_user_content(
    client, seed_article, typed, linked
):
    """Each address is linked as typed, without the sentence's punctuation, rel nofollow ugc."""
    comment = CommentFactory(article=seed_article, body=typed)
    content = content_of(client, comment)
    links = content.select("a")
    assert [link["href"] for link in links] == linked
    assert all(link.get_text() == link["href"] for link in links)
    assert all(link["rel"] == ["nofollow", "ugc", "noopener"] for link in links)
    assert not any(link.has_attr("target") for link in links)
    assert content.get_text() == typed


@pytest.mark.parametrize(
    "typed",
    [
        "www.example.com",
        "example.com",
        "mail me at maya@example.org",
        "[a link](https://example.com/)".replace("https://", "ftp://"),
        "ftp://files.example.com/",
        "javascript:alert(1)",
        "mailto:maya@example.org",
        "http://",
        "https://.",
        "http://[::1",
        "xhttps://example.com/",
        '<a href="https://example.com">here</a>'.replace("https", "hxxps"),
        "**bold** _emphasis_ `code`",
    ],
)
def test_nothing_else_becomes_markup(client, seed_article, typed):
    """Domains without a scheme, emails, other schemes, Markdown, HTML: text, as typed."""
    comment = CommentFactory(article=seed_article, body=typed)
    content = content_of(client, comment)
    assert not content.select("a") and not content.select("b, strong, em, code")
    assert content.get_text() == typed


def test_an_html_link_typed_in_a_comment_stays_text(client, seed_article):
    """Only the address inside is linked; the tag around it is shown as typed."""
    typed = '<a href="https://evil.example/">click</a>'
    content = content_of(client, CommentFactory(article=seed_article, body=typed))
    assert [a["href"] for a in content.select("a")] == ["https://evil.example/"]
    assert content.get_text() == typed


def test_paragraphs_and_line_breaks_survive_around_links(client, seed_article):
    """Blank lines make paragraphs and single breaks stay breaks, links inside them."""
    typed = "First https://a.example/\nsecond line\n\nNew paragraph https://b.example/"
    content = content_of(client, CommentFactory(article=seed_article, body=typed))
    paragraphs = content.select("p")
    assert len(paragraphs) == 2 and paragraphs[0].select("br")
    assert [p.select_one("a")["href"] for p in paragraphs] == [
        "https://a.example/",
        "https://b.example/",
    ]


def test_an_address_stops_before_invisible_reordering_characters(client, seed_article):
    """A right-to-left override cannot make a link read as another address."""
    typed = "https://example.com/\u202egnp.exe"
    content = content_of(client, CommentFactory(article=seed_article, body=typed))
    assert [a["href"] for a in content.select("a")] == ["https://example.com/"]


def test_feeds_link_addresses_as_the_page_does(client, seed_article):
    """The comment feeds carry the same escaped HTML, its links nofollow too."""
    CommentFactory(article=seed_article, body="Look: https://example.com/?a=1&b=2 <b>x</b>")
    feed = client.get(reverse("blog:article-feed", args=[seed_article.slug])).content
    summary = ElementTree.fromstring(feed).find(f"{ATOM}entry/{ATOM}summary")
    html = BeautifulSoup(summary.text, "html.parser")
    link = html.select_one("a")
    assert link["href"] == "https://example.com/?a=1&b=2"
    assert link["rel"] == ["nofollow", "ugc", "noopener"]
    assert not html.select("b") and html.get_text() == "Look: https://example.com/?a=1&b=2 <b>x</b>"


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    text=st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(["https://", "http://", "HTTP://", "www.", "(", ")", "]", ".", "\n",
                             '"', "'", "<", ">", "&", "example.com", "/", "\u202e", "?q=1&x"]),
        ),
        max_size=12,
    ).map("".join)
)  # fmt: skip
def test_any_text_gives_only_paragraphs_breaks_and_safe_links(text):
    """Whatever the text: p, br and http(s) links whose href is their own text; nothing lost."""
    html = str(comment_html(text))
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        assert tag.name in {"p", "br", "a"}
        if tag.name == "a":
            assert set(tag.attrs) == {"href", "rel"}
            assert tag["href"] == tag.get_text()
            assert tag["href"].lower().startswith(("http://", "https://"))
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    assert text_of(html).replace("\n", "") == normalized.replace("\n", "")
