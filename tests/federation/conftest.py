"""A Mastodon-like server on loopback, its accounts, and a way to POST signed activities."""

import base64
import hashlib
import json
import re

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
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


def assert_signed_by_the_blog(received) -> None:
    """The request carries a draft-cavage signature the blog's published key verifies."""
    actor = Client().get("/fediverse/actor").json()
    key = serialization.load_pem_public_key(actor["publicKey"]["publicKeyPem"].encode())
    headers = {name.lower(): value for name, value in received.headers.items()}
    parameters = dict(re.findall(r'(\w+)="([^"]*)"', headers["signature"]))
    assert parameters["keyId"] == actor["publicKey"]["id"]
    names = parameters["headers"].split()
    assert names == ["(request-target)", "host", "date", "digest"]
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(received.body).digest()).decode()
    assert headers["digest"] == digest
    text = "\n".join(
        f"(request-target): post {received.path}"
        if n == "(request-target)"
        else f"{n}: {headers[n]}"
        for n in names
    )
    key.verify(
        base64.b64decode(parameters["signature"]),
        text.encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
