"""
Nothing unverified gets in: every POST to the inbox is signed by the key of the actor it
claims, its Digest is its body's, its Date recent; otherwise a 401 and nothing stored.
Then a Follow gets a signed Accept back, and Undo Follow ends it.

The attacks come first, each one that the naive inbox (parse the JSON, believe the
actor) would let through.
"""

import base64
import json
from email.utils import formatdate

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.test import Client

from comments.models import Comment, ModerationSettings
from federation.models import Follower, Outgoing, RemoteActor, Seen
from tests.federation.conftest import assert_signed_by_the_blog, follow_activity, post_activity
from tests.federation.peer import new_key

pytestmark = pytest.mark.django_db


def nothing_stored() -> bool:
    return not (
        Follower.objects.exists()
        or RemoteActor.objects.exists()
        or Outgoing.objects.exists()
        or Seen.objects.exists()
        or Comment.objects.filter(fediverse_handle__gt="").exists()
    )


def test_an_unsigned_follow_is_refused(server, alice, peer):
    """No Signature header: 401, nothing fetched, nothing stored."""
    body = json.dumps(follow_activity(alice)).encode()
    response = server.post("/fediverse/inbox", body, content_type="application/activity+json")
    assert response.status_code == 401
    assert "not signed" in response.json()["message"]
    assert peer.received == []
    assert nothing_stored()


def test_a_follow_signed_with_another_key_is_refused(server, alice, peer):
    """Signed with a key that is not the one alice's server publishes: 401."""
    response = post_activity(server, alice, follow_activity(alice), key=new_key())
    assert response.status_code == 401
    assert "does not match" in response.json()["message"]
    assert nothing_stored()


def test_an_activity_signed_by_another_actor_is_refused(server, alice, bob):
    """Bob's valid signature on an activity claiming to be alice's: 401."""
    response = post_activity(server, bob, follow_activity(alice))
    assert response.status_code == 401
    assert "another actor" in response.json()["message"]
    assert nothing_stored()


def test_a_key_id_naming_another_accounts_key_is_refused(server, alice, bob):
    """keyId is bob's key but alice is the actor, with bob's key: the key is not alice's."""
    response = post_activity(server, alice, follow_activity(alice), key=bob.key, key_id=bob.key_id)
    assert response.status_code == 401
    assert nothing_stored()


def test_a_body_changed_after_signing_is_refused(server, alice):
    """The Digest signed is of another body: 401."""
    signed_for = json.dumps(follow_activity(alice)).encode()
    sent = json.dumps({**follow_activity(alice), "object": "https://elsewhere.example/"}).encode()
    from tests.federation.peer import sign

    headers = sign(alice.key, alice.key_id, "POST", "testserver", "/fediverse/inbox", signed_for)
    headers.pop("Host")
    content_type = headers.pop("Content-Type")
    response = server.post("/fediverse/inbox", sent, content_type=content_type, headers=headers)
    assert response.status_code == 401
    assert "Digest" in response.json()["message"]
    assert nothing_stored()


def test_an_old_date_is_refused_as_a_replay(server, alice):
    """A request signed an hour ago (a captured one, sent again): 401."""
    old = formatdate(timeval=__import__("time").time() - 3600, usegmt=True)
    response = post_activity(server, alice, follow_activity(alice), date=old)
    assert response.status_code == 401
    assert "Date" in response.json()["message"]
    assert nothing_stored()


def test_a_signature_not_covering_the_digest_is_refused(server, alice):
    """Mastodon signs the digest; a signature over the date alone proves nothing of the body."""
    body = json.dumps(follow_activity(alice)).encode()
    date = formatdate(usegmt=True)
    signature = base64.b64encode(
        alice.key.sign(f"date: {date}".encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()
    headers = {
        "Date": date,
        "Signature": f'keyId="{alice.key_id}",algorithm="rsa-sha256",headers="date",'
        f'signature="{signature}"',
    }
    response = server.post(
        "/fediverse/inbox", body, content_type="application/activity+json", headers=headers
    )
    assert response.status_code == 401
    assert nothing_stored()


def test_an_oversized_body_is_refused_unread(server, alice, peer):
    """A body past the inbox's limit: 413 before any signature work or fetch."""
    activity = {**follow_activity(alice), "padding": "x" * 300_000}
    response = post_activity(server, alice, activity)
    assert response.status_code == 413
    assert peer.received == []
    assert nothing_stored()


def test_a_deeply_nested_body_is_refused(server, alice, peer):
    """Nesting past the limit (or past Python's own), signed or not: 400, never a 500."""
    for depth in (40, 100_000):
        body = ("[" * depth + "]" * depth).encode()
        response = post_activity(server, alice, body=body)
        assert response.status_code == 400
        nested = {**follow_activity(alice), "object": json.loads("[" * 30 + "]" * 30)}
        assert post_activity(server, alice, nested).status_code == 400
    assert peer.received == []
    assert nothing_stored()


def test_a_body_that_is_not_json_is_refused(server, alice, peer):
    """Signed garbage: 400 with a sentence; nothing fetched or stored."""
    for body in (b"not json", b"\xff\xfe", b"[1, 2]", b'"a string"'):
        response = post_activity(server, alice, body=body)
        assert response.status_code == 400
        assert response.json()["message"]
    assert peer.received == []
    assert nothing_stored()


def test_an_actor_whose_key_cannot_be_fetched_is_refused(server, alice, peer):
    """The actor's server answers 404 (or is gone): 401, nothing stored."""
    del peer.accounts["alice"]
    response = post_activity(server, alice, follow_activity(alice))
    assert response.status_code == 401
    assert "could not be fetched" in response.json()["message"]
    assert nothing_stored()


def test_an_actor_on_a_private_address_is_not_fetched_in_production(server, alice, settings, peer):
    """Without DJANGO_OUTBOUND_ALLOW_PRIVATE, a loopback actor's key is never fetched: 401."""
    settings.OUTBOUND_ALLOW_PRIVATE = False
    response = post_activity(server, alice, follow_activity(alice))
    assert response.status_code == 401
    assert peer.received == []
    assert nothing_stored()


def test_a_blocked_server_is_refused_before_anything_is_fetched(server, alice, peer):
    """A domain on the staff's list (shared with the block words): 403, nothing fetched."""
    rules = ModerationSettings.load()
    rules.blocked_domains = "spam.example\n127.0.0.1\n"
    rules.save()
    response = post_activity(server, alice, follow_activity(alice))
    assert response.status_code == 403
    assert peer.received == []
    assert nothing_stored()


def test_a_get_of_the_inbox_changes_nothing(server):
    """The inbox takes POSTs only."""
    assert server.get("/fediverse/inbox").status_code == 405


# Following -----------------------------------------------------------------------


def test_a_signed_follow_is_accepted_with_a_signed_accept(
    server, alice, peer, django_capture_on_commit_callbacks
):
    """Alice follows: she is kept, and her inbox gets the Accept of her Follow, signed."""
    with django_capture_on_commit_callbacks(execute=True):
        response = post_activity(server, alice, follow_activity(alice))
    assert response.status_code == 202
    follower = Follower.objects.get()
    assert follower.actor.handle == alice.handle
    (accept,) = peer.deliveries()
    assert accept.path == "/users/alice/inbox"
    activity = accept.json()
    assert activity["type"] == "Accept"
    assert activity["object"]["id"] == follow_activity(alice)["id"]
    assert activity["object"]["actor"] == alice.id
    assert_signed_by_the_blog(accept)
    assert Outgoing.objects.get().status == Outgoing.Status.SENT


def test_the_same_follow_delivered_twice_is_accepted_once(
    server, alice, peer, django_capture_on_commit_callbacks
):
    """Mastodon retries: the same activity id changes nothing the second time."""
    with django_capture_on_commit_callbacks(execute=True):
        post_activity(server, alice, follow_activity(alice))
        again = post_activity(server, alice, follow_activity(alice))
    assert again.status_code == 202
    assert Follower.objects.count() == 1
    assert len(peer.deliveries()) == 1


def test_undo_follow_removes_the_follower(server, alice, django_capture_on_commit_callbacks):
    """Alice's Undo of her Follow: no longer a follower; the count says so."""
    with django_capture_on_commit_callbacks(execute=True):
        post_activity(server, alice, follow_activity(alice))
    assert Client().get("/fediverse/followers").json()["totalItems"] == 1
    undo = {
        "id": f"{alice.id}#follows/1/undo",
        "type": "Undo",
        "actor": alice.id,
        "object": follow_activity(alice),
    }
    assert post_activity(server, alice, undo).status_code == 202
    assert not Follower.objects.exists()
    assert Client().get("/fediverse/followers").json()["totalItems"] == 0


def test_bob_cannot_undo_alices_follow(server, alice, bob, django_capture_on_commit_callbacks):
    """An Undo signed by bob of alice's Follow touches only bob's (none)."""
    with django_capture_on_commit_callbacks(execute=True):
        post_activity(server, alice, follow_activity(alice))
    undo = {
        "id": f"{bob.id}#undo/1",
        "type": "Undo",
        "actor": bob.id,
        "object": follow_activity(alice),
    }
    assert post_activity(server, bob, undo).status_code == 202
    assert Follower.objects.get().actor.url == alice.id


def test_a_follow_of_someone_else_is_refused(server, alice):
    """A Follow whose object is not the blog's actor: 404, nothing kept."""
    activity = {**follow_activity(alice), "object": "https://blog.example.com/users/admin"}
    response = post_activity(server, alice, activity)
    assert response.status_code == 404
    assert not Follower.objects.exists()
    assert not RemoteActor.objects.exists()
