"""A Mastodon-like server on loopback, its accounts, and a way to POST signed activities."""

import json

import pytest
from django.test import Client

from tests.federation.peer import Peer, sign

INBOX = "/fediverse/inbox"


@pytest.fixture
def peer(settings):
    """A fediverse server on loopback; the site may fetch from it (tests only)."""
    settings.OUTBOUND_ALLOW_PRIVATE = True
    server = Peer()
    yield server
    server.close()


@pytest.fixture
def alice(peer):
    return peer.account("alice", "Alice Example")


@pytest.fixture
def bob(peer):
    return peer.account("bob", "Bob")


@pytest.fixture
def server() -> Client:
    """Another server's HTTP client: no browser headers, no cookies."""
    return Client()


def post_activity(
    client: Client,
    account,
    activity: dict | None = None,
    *,
    body: bytes | None = None,
    key=None,
    key_id: str | None = None,
    date: str | None = None,
    headers: dict | None = None,
):
    """POST an activity to the blog's inbox, signed as Mastodon signs (or as told)."""
    if body is None:
        body = json.dumps(activity).encode()
    signed = sign(
        key or account.key, key_id or account.key_id, "POST", "testserver", INBOX, body, date
    )
    signed.pop("Host")
    content_type = signed.pop("Content-Type")
    return client.post(
        INBOX, body, content_type=content_type, headers={**signed, **(headers or {})}
    )


def follow_activity(account, number: int = 1) -> dict:
    from federation import conf

    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{account.base}/{account.username}/follows/{number}",
        "type": "Follow",
        "actor": account.id,
        "object": conf.actor_url(),
    }


def create_activity(account, note: dict, **overrides) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note['id']}/activity",
        "type": "Create",
        "actor": account.id,
        "published": note["published"],
        "to": note["to"],
        "cc": note["cc"],
        "object": {**note, **overrides},
    }
