"""
Through `make serve`'s nginx: an article's address gives Mastodon the JSON object and
browsers the page, whatever order they come in, and the cache never swaps them.
WebFinger's unencoded ``resource`` reaches the app. (federation/negotiation.py,
deploy/nginx.conf ``$activitypub``.)
"""

import json
from urllib.parse import urlsplit

from tests.conftest import SEED_SLUG
from tests.perf.server import seeded_stack

ARTICLE = f"/articles/{SEED_SLUG}/"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
MASTODON = {
    "Accept": 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
}


def test_nginx_never_hands_a_browser_the_json_nor_mastodon_the_page(tmp_path, static_root):
    """Mastodon first, browsers, Mastodon again, browsers again: each always gets its own kind."""
    with seeded_stack(tmp_path, static_root) as server:
        for round_ in range(3):
            response, body = server.request("GET", ARTICLE, MASTODON)
            assert response.status == 200, body
            assert response.headers["Content-Type"] == "application/activity+json"
            assert json.loads(body)["type"] == "Article"
            assert response.headers["X-Cache"] == "BYPASS"
            assert "Accept" in response.headers["Vary"]
            for _ in range(2):
                response, body = server.request("GET", ARTICLE, BROWSER)
                assert response.status == 200
                assert response.headers["Content-Type"].startswith("text/html")
                assert b"<html" in body
                assert "Accept" in response.headers["Vary"]
            # The page is stored and served from the cache (a plain Accept too).
            response, _ = server.request("GET", ARTICLE, {"Accept": "*/*"})
            assert response.headers["Content-Type"].startswith("text/html")
            if round_:
                assert response.headers["X-Cache"] in ("HIT", "REVALIDATED", "EXPIRED")


def test_webfinger_through_nginx(tmp_path, static_root):
    """Mastodon's unencoded ?resource=acct:blog@host passes nginx and finds the actor."""
    with seeded_stack(tmp_path, static_root) as server:
        response, body = server.request("GET", "/fediverse/actor", MASTODON)
        assert response.status == 200, body
        actor = json.loads(body)
        host = urlsplit(actor["id"]).netloc
        response, body = server.request("GET", f"/.well-known/webfinger?resource=acct:blog@{host}")
        assert response.status == 200, body
        links = json.loads(body)["links"]
        assert any(link.get("href") == actor["id"] for link in links)
