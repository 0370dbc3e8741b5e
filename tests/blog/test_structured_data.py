"""Link previews and schema.org data on article pages: complete, valid, safe, private."""

import json
import re
import struct
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.utils import timezone

from comments.models import CommentRevision
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
            "name",
        },
        "required": {"headline", "datePublished", "author", "commentCount", "comment"},
    },
    # Google's rich results need datePublished on a comment:
    # https://developers.google.com/search/docs/appearance/structured-data/discussion-forum
    "Comment": {
        "allowed": {"author", "text", "url", "datePublished", "dateModified", "comment"},
        "required": {"author", "text", "url", "datePublished"},
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
    """A valid BlogPosting; approved comments only, replies inside their parent, nothing private."""
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
    maya, sam = discussion.comments.approved().order_by("pk")
    assert data["comment"] == [
        {
            "@type": "Comment",
            "url": f"{SITE_URL}/comments/{maya.pk}/",
            "datePublished": maya.created_at.isoformat(timespec="seconds"),
            "author": {"@type": "Person", "name": "Maya"},
            "text": "Magnesium helped.",
            "comment": [
                {
                    "@type": "Comment",
                    "url": f"{SITE_URL}/comments/{sam.pk}/",
                    "datePublished": sam.created_at.isoformat(timespec="seconds"),
                    "author": {"@type": "Person", "name": "Sam"},
                    "text": "Me too.",
                }
            ],
        }
    ]


def test_each_comment_has_its_own_permalink_and_date(client, seed_article):
    """Comments posted at different times read back with their own dates and addresses."""
    now = timezone.now().replace(microsecond=0)
    older = CommentFactory(article=seed_article, created_at=now - timedelta(days=2))
    newer = CommentFactory(article=seed_article, created_at=now - timedelta(minutes=5))
    data = json_ld(page(client, seed_article))
    check_schema(data)
    dates = {item["url"]: datetime.fromisoformat(item["datePublished"]) for item in data["comment"]}
    assert dates == {
        f"{SITE_URL}{older.get_absolute_url()}": older.created_at,
        f"{SITE_URL}{newer.get_absolute_url()}": newer.created_at,
    }
    assert all("dateModified" not in item for item in data["comment"])


def test_an_edited_comment_says_when_it_was_modified(client, seed_article):
    """After its author's edit, a comment has dateModified, the time of the edit."""
    comment = CommentFactory(article=seed_article, body="Before.")
    edited_at = timezone.now().replace(microsecond=0) + timedelta(minutes=3)
    CommentRevision.objects.create(
        comment=comment,
        change=CommentRevision.Change.EDITED,
        body="Before.",
        status=comment.status,
        created_at=edited_at,
    )
    comment.body = "After."
    comment.save()
    [item] = json_ld(page(client, seed_article))["comment"]
    assert item["text"] == "After."
    assert datetime.fromisoformat(item["dateModified"]) == edited_at
    assert datetime.fromisoformat(item["datePublished"]) < edited_at


def test_replies_nest_to_every_depth(client, seed_article):
    """A thread three deep reads as comments inside comments; a second thread beside it."""
    first = CommentFactory(article=seed_article, body="One.")
    second = CommentFactory(article=seed_article, parent=first, body="Two.")
    CommentFactory(article=seed_article, parent=second, body="Three.")
    CommentFactory(article=seed_article, body="Beside.")
    data = json_ld(page(client, seed_article))
    check_schema(data)
    [one, beside] = data["comment"]
    assert (one["text"], beside["text"]) == ("One.", "Beside.")
    assert one["comment"][0]["text"] == "Two."
    assert one["comment"][0]["comment"][0]["text"] == "Three."
    assert "comment" not in beside


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
    assert meta("name", "twitter:card") == "summary_large_image"
    assert meta("name", "twitter:title") == seed_article.title
    assert meta("name", "twitter:description") == seed_article.standfirst


@pytest.mark.parametrize(("query", "canonical"), [("", "/"), ("?page=1", "/")])
def test_home_page_has_canonical_and_open_graph(client, query, canonical):
    """The home page names itself canonically and previews as a website."""
    soup = BeautifulSoup(client.get(f"/{query}", follow=True).content, "html.parser")
    assert soup.find("link", rel="canonical")["href"] == f"{SITE_URL}{canonical}"
    assert soup.find("meta", property="og:type")["content"] == "website"
    assert soup.find("meta", property="og:url")["content"] == f"{SITE_URL}/"


def preview_tags(soup: BeautifulSoup) -> dict[str, str]:
    """Every Open Graph and Twitter tag, by name; a name given twice fails."""
    tags = {}
    for tag in soup.find_all("meta"):
        name = tag.get("property") or tag.get("name") or ""
        if name.startswith(("og:", "twitter:")):
            assert name not in tags, f"{name} given twice"
            tags[name] = tag["content"]
    return tags


@pytest.mark.parametrize("path", ["/", "article", "/no-such-page/"])
def test_every_page_offers_the_sites_large_preview_image(client, seed_article, path):
    """og:image 1200×630 from the site's static files, absolute, sized, described; a large card."""
    url = seed_article.get_absolute_url() if path == "article" else path
    tags = preview_tags(BeautifulSoup(client.get(url).content, "html.parser"))
    image = tags["og:image"]
    assert re.fullmatch(
        rf"{re.escape(SITE_URL)}/static/img/social-preview(\.[0-9a-f]+)?\.png", image
    )
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["og:image:type"] == "image/png"
    assert "Relief Notes" in tags["og:image:alt"]
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["twitter:image"] == image
    assert tags["twitter:image:alt"] == tags["og:image:alt"]


def test_the_preview_image_is_a_real_1200_by_630_png(client):
    """The file the tags name is served by the site, a PNG of exactly the size they state."""
    png = (Path(settings.BASE_DIR) / "static/img/social-preview.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1200, 630)
    served = client.get("/static/img/social-preview.png")
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == png


def test_home_page_describes_the_site_to_link_previews(client):
    """The home page has og:description and twitter:description, the site's own description."""
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    tags = preview_tags(soup)
    description = soup.find("meta", attrs={"name": "description"})["content"]
    assert tags["og:description"] == tags["twitter:description"] == description
    assert description == "Notes on massage, stretching and relief from muscle cramps."
    assert tags["og:title"] == tags["twitter:title"] == "Relief Notes"
