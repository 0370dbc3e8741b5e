"""
An article's address answers ActivityStreams JSON to the fediverse and HTML to browsers,
with ``Vary: Accept`` on both, so that a search for its URL on Mastodon finds it.
"""

import pytest
from django.test import Client
from django.urls import reverse

from blog.models import Article
from comments.models import ModerationSettings
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

ACTIVITY = "application/activity+json"
LD_PROFILE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@pytest.mark.parametrize("accept", [ACTIVITY, LD_PROFILE, f"{LD_PROFILE}, {ACTIVITY}"])
def test_the_fediverse_gets_the_article_object(site_url, seed_article, accept):
    """Mastodon's Accept headers get the Article, as JSON, varying on Accept, never shared."""
    response = Client().get(seed_article.get_absolute_url(), headers={"Accept": accept})
    assert response.status_code == 200
    assert response["Content-Type"] == ACTIVITY
    assert "Accept" in response["Vary"]
    assert "private" in response["Cache-Control"]
    document = response.json()
    assert document["type"] == "Article"
    assert document["id"] == seed_article.get_full_url()
    assert document["attributedTo"] == f"{site_url}/fediverse/actor"
    assert document["name"] == seed_article.title


@pytest.mark.parametrize(
    "accept",
    [
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "*/*",
        "",
        "application/ld+json",  # JSON-LD without ActivityStreams' profile: the page
    ],
)
def test_browsers_get_the_page_varying_on_accept(seed_article, accept):
    """A browser (or anything else) gets the HTML page, which also says Vary: Accept."""
    response = Client().get(seed_article.get_absolute_url(), headers={"Accept": accept})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]
    assert "public" in response["Cache-Control"]


def test_a_draft_is_not_found_as_json_either(site_url):
    """An unpublished article is the same 404 whatever the Accept."""
    draft = ArticleFactory(status=Article.Status.DRAFT)
    response = Client().get(draft.get_absolute_url(), headers={"Accept": ACTIVITY})
    assert response.status_code == 404
    assert "Article" not in response.content.decode()


def test_the_rules_page_edits_the_blocked_servers(superuser_client):
    """Staff edit the blocked servers on the rules page, beside the block words."""
    url = reverse("admin:comments_moderationsettings_change", args=[1])
    ModerationSettings.load()
    page = superuser_client.get(url)
    assert "blocked servers" in page.content.decode().lower()
    data = {
        "hold_all": "on",
        "link_limit": 2,
        "moderation_words": "",
        "block_words": "",
        "blocked_domains": "spam.example\nSPAM.example\n",
        "trust_returning": "",
    }
    assert superuser_client.post(url, data).status_code == 302
    assert ModerationSettings.load().blocked_domains == "spam.example"
