"""The blog is a fediverse account: WebFinger finds it, its actor and NodeInfo describe it."""

import pytest
from cryptography.hazmat.primitives import serialization
from django.test import Client

pytestmark = pytest.mark.django_db


def test_webfinger_finds_the_blog_actor(site_url):
    """acct:blog@<SITE_URL's host> leads to the actor document's stable address."""
    response = Client().get("/.well-known/webfinger", {"resource": "acct:blog@blog.example.com"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jrd+json"
    document = response.json()
    assert document["subject"] == "acct:blog@blog.example.com"
    self_link = next(link for link in document["links"] if link["rel"] == "self")
    assert self_link == {
        "rel": "self",
        "type": "application/activity+json",
        "href": f"{site_url}/fediverse/actor",
    }


def test_webfinger_keeps_the_port_and_the_configured_name(settings):
    """The host is SITE_URL's with its port; the name is DJANGO_FEDIVERSE_USERNAME."""
    settings.SITE_URL = "http://127.0.0.1:8650"
    settings.FEDIVERSE_USERNAME = "notes"
    response = Client().get("/.well-known/webfinger?resource=acct:notes@127.0.0.1:8650")
    assert response.status_code == 200
    assert response.json()["subject"] == "acct:notes@127.0.0.1:8650"
    stranger = Client().get("/.well-known/webfinger?resource=acct:blog@127.0.0.1:8650")
    assert stranger.status_code == 404


def test_webfinger_refuses_what_it_does_not_know(site_url):
    """No resource is a 400 with a sentence, another account a 404: never a 500."""
    assert Client().get("/.well-known/webfinger").status_code == 400
    for resource in ("acct:admin@blog.example.com", "acct:blog@elsewhere.example", "x" * 3000):
        response = Client().get("/.well-known/webfinger", {"resource": resource})
        assert response.status_code == 404
        assert response.json()["error"]


def test_the_actor_document_is_stable_and_complete(site_url):
    """Name, summary, icon, inbox, outbox, followers and a usable RSA key, the same each time."""
    first = Client().get("/fediverse/actor")
    assert first.status_code == 200
    assert first["Content-Type"] == "application/activity+json"
    actor = first.json()
    assert actor["id"] == f"{site_url}/fediverse/actor"
    assert actor["preferredUsername"] == "blog"
    assert actor["name"] == "Relief Notes"
    assert "Relief Notes" in actor["summary"]
    assert actor["icon"]["url"].startswith(site_url)
    assert actor["inbox"] == f"{site_url}/fediverse/inbox"
    assert actor["outbox"] == f"{site_url}/fediverse/outbox"
    assert actor["followers"] == f"{site_url}/fediverse/followers"
    assert actor["publicKey"]["owner"] == actor["id"]
    assert actor["publicKey"]["id"] == f"{actor['id']}#main-key"
    key = serialization.load_pem_public_key(actor["publicKey"]["publicKeyPem"].encode())
    assert key.key_size == 2048
    assert Client().get("/fediverse/actor").json() == actor
    assert "private" in first["Cache-Control"]


def test_the_collections_answer(site_url, seed_article):
    """The outbox lists the published articles as Creates; followers are counted, not listed."""
    outbox = Client().get("/fediverse/outbox").json()
    assert outbox["type"] == "OrderedCollection"
    assert outbox["orderedItems"][0]["object"]["id"] == seed_article.get_full_url()
    followers = Client().get("/fediverse/followers").json()
    assert followers["totalItems"] == 0
    assert "orderedItems" not in followers


def test_nodeinfo_says_what_the_server_is(site_url):
    """/.well-known/nodeinfo leads to NodeInfo 2.1: ActivityPub, closed registrations."""
    links = Client().get("/.well-known/nodeinfo").json()["links"]
    assert links[0]["rel"] == "http://nodeinfo.diaspora.software/ns/schema/2.1"
    info = Client().get(links[0]["href"].removeprefix(site_url)).json()
    assert info["version"] == "2.1"
    assert info["protocols"] == ["activitypub"]
    assert info["openRegistrations"] is False
    assert info["software"]["name"] == "relief-notes"
    assert info["usage"]["localPosts"] == 1
