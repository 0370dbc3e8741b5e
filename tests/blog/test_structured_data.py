"""Link previews and schema.org data on article pages: complete, valid, safe, private."""

import json
from datetime import datetime

import pytest
from bs4 import BeautifulSoup

from tests.conftest import DISCUSSION_EMAILS, SITE_URL, post_as
from tests.factories import ArticleFactory, CommentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


# What schema.org defines, for the types we use: every property we emit must be
# one of the type's own (or inherited) properties, and Google's rich results
# need the required ones.
# https://schema.org/BlogPosting, https://schema.org/Comment, https://schema.org/Person,
# https://schema.org/Organization, https://schema.org/WebPage
SCHEMA = {
    "BlogPosting": {
        "allowed": {
            "mainEntityOfPage",
            "url",
            "headline",
            "description",
            "datePublished",
            "dateModified",
            "author",
            "publisher",
            "commentCount",
            "comment",
            "image",
            "articleBody",
            "articleSection",  # schema.org/Article: the categories
            "keywords",  # schema.org/CreativeWork: the tags
            "name",
        },
        "required": {"headline", "datePublished", "author", "commentCount", "comment"},
    },
    "Comment": {
        "allowed": {"author", "text", "dateCreated", "url"},
        "required": {"author", "text"},
    },
    "Person": {"allowed": {"name", "url"}, "required": {"name"}},
    "Organization": {"allowed": {"name", "url", "logo"}, "required": {"name"}},
    "WebPage": {"allowed": {"@id", "url", "name"}, "required": {"@id"}},
}


def page(client, article) -> BeautifulSoup:
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def json_ld(soup: BeautifulSoup) -> dict:
    [script] = soup.select('script[type="application/ld+json"]')
    return json.loads(script.string)


def check_schema(node: dict) -> None:
    """Every typed node is a known schema.org type with only its properties, required ones set."""
    kind = node["@type"]
    assert kind in SCHEMA, kind
    properties = set(node) - {"@type", "@context"}
    assert properties <= SCHEMA[kind]["allowed"], properties - SCHEMA[kind]["allowed"]
    assert SCHEMA[kind]["required"] <= properties, SCHEMA[kind]["required"] - properties
    for value in node.values():
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, dict):
                check_schema(child)


def test_blog_posting_has_headline_dates_author_and_comments(client, discussion):
    """A valid BlogPosting; approved comments only, thread order, each with name and text only."""
    data = json_ld(page(client, discussion))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "BlogPosting"
    check_schema(data)
    url = f"{SITE_URL}{discussion.get_absolute_url()}"
    assert data["url"] == url and data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["headline"] == discussion.title
    assert data["description"] == discussion.standfirst
    published = discussion.published_at.replace(microsecond=0)
    assert datetime.fromisoformat(data["datePublished"]) == published
    assert datetime.fromisoformat(data["dateModified"]) >= published
    assert data["author"] == {"@type": "Organization", "name": "Relief Notes", "url": SITE_URL}
    assert data["commentCount"] == 2
    assert data["comment"] == [
        {
            "@type": "Comment",
            "author": {"@type": "Person", "name": "Maya"},
            "text": "Magnesium helped.",
        },
        {"@type": "Comment", "author": {"@type": "Person", "name": "Sam"}, "text": "Me too."},
    ]


def test_held_comment_stays_out_even_for_its_author(client, discussion):
    """The author sees their held comment on the page, but it is not in the structured data."""
    data = {"author_name": "Lee", "author_email": "lee@example.org", "body": "Still waiting."}
    post_as(client, discussion, data)
    soup = page(client, discussion)
    assert "Still waiting." in soup.select_one("#comments").get_text()
    data = json_ld(soup)
    assert data["commentCount"] == 2
    assert "Still waiting" not in json.dumps(data)


def test_structured_data_carries_nothing_private(client, discussion):
    """No email, website, IP or user agent, nor any id that ties comments to a person."""
    raw = str(page(client, discussion).select_one('script[type="application/ld+json"]'))
    email = DISCUSSION_EMAILS[0]
    for private in (email, email.lower(), "maya.example", "203.0.113.7", "SecretBrowser"):
        assert private not in raw


def test_article_without_comments_says_so(client):
    """An article with no approved comments has commentCount 0 and an empty list."""
    article = ArticleFactory(standfirst="")
    data = json_ld(page(client, article))
    check_schema(data)
    assert (data["commentCount"], data["comment"]) == (0, [])
    assert data["description"] == article.title


def test_readers_text_cannot_break_out_of_the_script_element(client, seed_article):
    """Text that would close the element or open an HTML comment is escaped, and reads back."""
    hostile = "</script><script>alert(1)</script><!-- & -->"
    CommentFactory(article=seed_article, author_name=hostile, body=hostile)
    response = client.get(seed_article.get_absolute_url())
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert "<!-- & -->" not in html
    soup = BeautifulSoup(html, "html.parser")
    data = json_ld(soup)
    assert data["comment"][0]["text"] == hostile
    assert data["comment"][0]["author"]["name"] == hostile
    assert [s.get("type") for s in soup.find_all("script") if not s.get("src")] == [
        "application/ld+json"
    ]


def test_content_security_policy_still_forbids_inline_scripts(client, seed_article):
    """The JSON-LD is a data block, so the policy needs no 'unsafe-inline' to allow it."""
    response = client.get(seed_article.get_absolute_url())
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_meta_description_canonical_open_graph_and_twitter_card(client, seed_article):
    """Everything a link preview needs, with absolute URLs on SITE_URL."""
    soup = page(client, seed_article)
    url = f"{SITE_URL}{seed_article.get_absolute_url()}"

    def meta(attribute: str, name: str) -> str:
        [tag] = soup.find_all("meta", attrs={attribute: name})
        return tag["content"]

    assert meta("name", "description") == seed_article.standfirst
    assert soup.find("link", rel="canonical")["href"] == url
    assert meta("property", "og:type") == "article"
    assert meta("property", "og:title") == seed_article.title
    assert meta("property", "og:description") == seed_article.standfirst
    assert meta("property", "og:url") == url
    assert meta("property", "og:site_name") == "Relief Notes"
    published = datetime.fromisoformat(meta("property", "article:published_time"))
    assert published == seed_article.published_at
    assert meta("name", "twitter:card") == "summary"
    assert meta("name", "twitter:title") == seed_article.title
    assert meta("name", "twitter:description") == seed_article.standfirst


@pytest.mark.parametrize(("query", "canonical"), [("", "/"), ("?page=1", "/")])
def test_home_page_has_canonical_and_open_graph(client, query, canonical):
    """The home page names itself canonically and previews as a website."""
    soup = BeautifulSoup(client.get(f"/{query}", follow=True).content, "html.parser")
    assert soup.find("link", rel="canonical")["href"] == f"{SITE_URL}{canonical}"
    assert soup.find("meta", property="og:type")["content"] == "website"
    assert soup.find("meta", property="og:url")["content"] == f"{SITE_URL}/"
