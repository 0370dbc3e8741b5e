"""
A reply from the fediverse, as a reader meets it in Chromium: a real signed POST to the
live server's inbox from a Mastodon-like server on loopback, a moderator's approval, then
the article page showing it with initials and the likes counted, and no request from the
browser to the author's server (their avatar and profile are never loaded).
"""

import json
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest

from comments.models import Comment
from comments.moderation import change_status
from tests.e2e.conftest import third_party
from tests.federation.conftest import create_activity
from tests.federation.peer import Peer, sign

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def post_signed(live_server, account, activity: dict) -> int:
    """POST an activity to the live server's inbox over real HTTP, signed as Mastodon signs."""
    netloc = urlsplit(live_server.url).netloc
    body = json.dumps(activity).encode()
    headers = sign(account.key, account.key_id, "POST", netloc, "/fediverse/inbox", body)
    connection = HTTPConnection(netloc, timeout=30)
    try:
        connection.request("POST", "/fediverse/inbox", body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_fediverse_reply_reaches_readers_without_their_server(
    open_context, seed_article, requests_made, live_server, settings
):
    """Held, approved, shown with initials and its text; the like counted; nothing third-party."""
    settings.OUTBOUND_ALLOW_PRIVATE = True
    peer = Peer()
    try:
        alice = peer.account("alice", "Alice Example")
        html = (
            '<p><a href="https://blog.example.com/" class="u-url mention">@<span>blog</span></a>'
            " Stretching before bed <b>helped</b> me.</p>"
        )
        note = peer.note(alice, 1, seed_article.get_full_url(), html)
        assert post_signed(live_server, alice, create_activity(alice, note)) == 202
        like = {
            "id": f"{alice.id}#likes/1",
            "type": "Like",
            "actor": alice.id,
            "object": seed_article.get_full_url(),
        }
        assert post_signed(live_server, alice, like) == 202
    finally:
        peer.close()
    comment = Comment.objects.get(fediverse_handle=alice.handle)
    assert comment.status == Comment.Status.PENDING
    change_status(comment, Comment.Status.APPROVED)

    page = open_context().new_page()
    page.goto(live_server.url + seed_article.get_absolute_url())
    shown = page.locator(f"#comment-{comment.pk}")
    shown.wait_for()
    assert "@blog Stretching before bed helped me." in shown.inner_text()
    assert "Alice Example" in shown.inner_text()
    assert page.locator(".reactions").inner_text() == "From the fediverse: 1 like, 0 boosts"
    page.wait_for_load_state("networkidle")
    assert third_party(requests_made, live_server.url) == []
    assert not [url for url in requests_made if peer.base in url]
