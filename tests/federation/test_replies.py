"""
Replies from the fediverse are comments, moderated like any other: held "From the
fediverse" with the author's handle and profile link and no email; the Note is fetched
again from its server before it is believed; Update edits it (back to the queue if
public), Delete withdraws it (only by its author); Like and Announce are counted.
"""

import pytest
from django.test import Client
from django.urls import reverse

from blog.models import Article
from comments.models import Comment, CommentRevision
from comments.moderation import change_status
from federation.models import Reaction, RemoteNote
from tests.factories import ArticleFactory, CommentFactory
from tests.federation.conftest import create_activity, post_activity
from tests.federation.peer import PUBLIC

pytestmark = pytest.mark.django_db

MASTODON_HTML = (
    '<p><span class="h-card"><a href="https://blog.example.com/fediverse/actor" '
    'class="u-url mention">@<span>blog</span></a></span> Cramps at night are the worst. '
    'See <a href="https://example.org/stretching" rel="nofollow noopener" target="_blank">'
    '<span class="invisible">https://</span><span class="">example.org/stretching</span>'
    '<span class="invisible"></span></a> and '
    '<a href="https://example.org/tags/feet" class="mention hashtag" rel="tag">'
    "#<span>feet</span></a>"
    "</p><p>Second paragraph<br>with a break. <script>alert(1)</script><b>bold</b></p>"
)


@pytest.fixture
def article(site_url, seed_article) -> Article:
    return seed_article


def reply(peer, alice, in_reply_to: str, number: int = 1, html: str = MASTODON_HTML, **extra):
    """Alice's Note on her server, and her Create of it."""
    note = peer.note(alice, number, in_reply_to, html, **extra)
    return note, create_activity(alice, note)


def test_a_reply_to_an_article_is_a_held_comment_from_the_fediverse(
    server, peer, alice, article, django_capture_on_commit_callbacks
):
    """Held "From the fediverse", handle and profile kept, no email, Mastodon's HTML as text."""
    note, activity = reply(
        peer,
        alice,
        article.get_full_url(),
        tag=[{"type": "Mention", "href": "https://blog.example.com/fediverse/actor"}],
        attachment=[
            {
                "type": "Document",
                "mediaType": "image/jpeg",
                "url": f"{peer.base}/media/foot.jpg",
                "name": "A foot",
            }
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_activity(server, alice, activity)
    assert response.status_code == 202
    comment = Comment.objects.get(fediverse_handle=alice.handle)
    assert comment.status == Comment.Status.PENDING
    assert comment.held_reason == "From the fediverse"
    assert comment.article == article
    assert comment.author_name == "Alice Example"
    assert comment.author_url == f"{peer.base}/@alice"
    assert comment.author_email == ""
    assert comment.body == (
        "@blog Cramps at night are the worst. See https://example.org/stretching and #feet"
        "\n\nSecond paragraph\nwith a break. bold"
        f"\n\nAttachment: A foot {peer.base}/media/foot.jpg"
    )
    assert RemoteNote.objects.get().object_id == note["id"]
    # The Note was fetched from its server, signed by the blog.
    fetched = [r for r in peer.fetches() if r.path == "/users/alice/statuses/1"]
    assert len(fetched) == 1 and "Signature" in fetched[0].headers


def test_the_note_is_believed_from_its_server_not_from_the_activity(
    server, peer, alice, article, django_capture_on_commit_callbacks
):
    """The activity carries other words than the Note on alice's server: her server's win."""
    _, activity = reply(peer, alice, article.get_full_url(), html="<p>What alice wrote.</p>")
    activity["object"]["content"] = "<p>Words put in alice's mouth.</p>"
    post_activity(server, alice, activity)
    assert Comment.objects.get(fediverse_handle=alice.handle).body == "What alice wrote."


def test_a_note_its_server_does_not_have_is_refused(server, peer, alice, article):
    """The activity embeds a Note its server answers 404 for: 400, nothing stored."""
    _, activity = reply(peer, alice, article.get_full_url())
    peer.notes.clear()
    response = post_activity(server, alice, activity)
    assert response.status_code == 400
    assert not Comment.objects.filter(fediverse_handle__gt="").exists()
    assert not RemoteNote.objects.exists()


def test_a_note_attributed_to_someone_else_is_refused(server, peer, alice, bob, article):
    """Alice creates bob's Note: 403, nothing stored."""
    note = peer.note(bob, 7, article.get_full_url(), "<p>Bob's.</p>")
    note_id = note["id"]
    peer.notes["/users/alice/statuses/7"] = {**note, "id": note_id.replace("bob", "alice")}
    activity = create_activity(alice, peer.notes["/users/alice/statuses/7"])
    response = post_activity(server, alice, activity)
    assert response.status_code == 403
    assert not RemoteNote.objects.exists()


@pytest.mark.parametrize(
    ("kind", "status"),
    [("draft", 404), ("future", 404), ("closed", 403), ("nothing", 404), ("elsewhere", 404)],
)
def test_a_reply_to_what_is_not_open_is_refused(server, peer, alice, site_url, kind, status):
    """A draft, a scheduled article, a closed discussion, no page, another site: refused."""
    from django.utils import timezone

    if kind in ("nothing", "elsewhere"):
        target = (
            f"{site_url}/articles/no-such-article/"
            if kind == "nothing"
            else ("https://elsewhere.example/notes/1")
        )
    else:
        article = ArticleFactory(
            status=Article.Status.DRAFT if kind == "draft" else Article.Status.PUBLISHED,
            published_at=timezone.now() + timezone.timedelta(days=2 if kind == "future" else -2),
            comments_open=kind != "closed",
        )
        target = article.get_full_url()
    _, activity = reply(peer, alice, target)
    response = post_activity(server, alice, activity)
    assert response.status_code == status
    assert response.json()["message"]
    assert not Comment.objects.filter(fediverse_handle__gt="").exists()


def test_a_reply_to_a_published_comment_joins_its_thread(
    server, peer, alice, article, django_capture_on_commit_callbacks
):
    """inReplyTo a comment's permalink: the comment answers it; a held one answers nothing."""
    published = CommentFactory(article=article)
    held = CommentFactory(article=article, status=Comment.Status.PENDING)
    _, activity = reply(peer, alice, published.get_full_url())
    assert post_activity(server, alice, activity).status_code == 202
    assert Comment.objects.get(fediverse_handle=alice.handle).parent == published
    _, activity = reply(peer, alice, held.get_full_url(), number=2)
    assert post_activity(server, alice, activity).status_code == 404


def test_the_desk_shows_the_handle_and_profile_and_publishes_with_initials(
    server, peer, alice, article, superuser_client
):
    """The queue shows @alice@… linked to her profile; once approved, readers see initials only."""
    _, activity = reply(peer, alice, article.get_full_url(), html="<p>Hello from afar.</p>")
    post_activity(server, alice, activity)
    comment = Comment.objects.get(fediverse_handle=alice.handle)
    queue = superuser_client.get(reverse("admin:comments_comment_changelist"))
    assert alice.handle in queue.content.decode()
    assert f'href="{peer.base}/@alice"' in queue.content.decode()
    assert "From the fediverse" in queue.content.decode()
    change_status(comment, Comment.Status.APPROVED)
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "Hello from afar." in page
    assert "Alice Example" in page
    assert f"{peer.base}/avatars" not in page  # never the remote avatar


def test_update_edits_the_reply_and_sends_it_back_to_the_queue(
    server, peer, alice, article, django_capture_on_commit_callbacks
):
    """An approved reply alice edits: new text, back to pending, the old text kept."""
    note, activity = reply(peer, alice, article.get_full_url(), html="<p>First words.</p>")
    post_activity(server, alice, activity)
    comment = Comment.objects.get(fediverse_handle=alice.handle)
    change_status(comment, Comment.Status.APPROVED)
    note["content"] = "<p>Second thoughts.</p>"
    update = {"id": f"{note['id']}#updates/1", "type": "Update", "actor": alice.id, "object": note}
    assert post_activity(server, alice, update).status_code == 202
    comment.refresh_from_db()
    assert comment.body == "Second thoughts."
    assert comment.status == Comment.Status.PENDING
    revision = CommentRevision.objects.get(comment=comment)
    assert revision.body == "First words."
    assert revision.status == Comment.Status.APPROVED
    assert "Second thoughts." not in Client().get(article.get_absolute_url()).content.decode()


def test_bob_cannot_update_or_delete_alices_reply(server, peer, alice, bob, article):
    """Update or Delete of alice's Note, signed by bob: 403, her comment untouched."""
    note, activity = reply(peer, alice, article.get_full_url(), html="<p>Mine.</p>")
    post_activity(server, alice, activity)
    forged = {**note, "content": "<p>Bob's words.</p>"}
    update = {"id": f"{bob.id}#updates/1", "type": "Update", "actor": bob.id, "object": forged}
    assert post_activity(server, bob, update).status_code == 403
    delete = {"id": f"{bob.id}#delete/1", "type": "Delete", "actor": bob.id, "object": note["id"]}
    assert post_activity(server, bob, delete).status_code == 403
    comment = Comment.objects.get(fediverse_handle=alice.handle)
    assert comment.body == "Mine."
    assert comment.status == Comment.Status.PENDING


def test_delete_withdraws_the_reply(server, peer, alice, article):
    """Alice deletes her Note (a Tombstone): the comment is removed, its text kept."""
    note, activity = reply(peer, alice, article.get_full_url(), html="<p>Regrettable.</p>")
    post_activity(server, alice, activity)
    comment = Comment.objects.get(fediverse_handle=alice.handle)
    change_status(comment, Comment.Status.APPROVED)
    delete = {
        "id": f"{note['id']}#delete",
        "type": "Delete",
        "actor": alice.id,
        "to": [PUBLIC],
        "object": {"id": note["id"], "type": "Tombstone"},
    }
    assert post_activity(server, alice, delete).status_code == 202
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED
    assert CommentRevision.objects.get(comment=comment).change == CommentRevision.Change.WITHDRAWN
    assert "Regrettable." not in Client().get(article.get_absolute_url()).content.decode()


def test_likes_and_boosts_are_counted_on_the_article_and_post_nothing(
    server, peer, alice, bob, article
):
    """Two likes and a boost, one like undone: the page says so; no comment is made."""
    url = article.get_full_url()
    for account, kind in ((alice, "Like"), (bob, "Like"), (alice, "Announce")):
        activity = {
            "id": f"{account.id}#{kind.lower()}s/1",
            "type": kind,
            "actor": account.id,
            "object": url,
        }
        assert post_activity(server, account, activity).status_code == 202
    # The same like again (a retry) counts once.
    again = {"id": f"{alice.id}#likes/1", "type": "Like", "actor": alice.id, "object": url}
    post_activity(server, alice, again)
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "From the fediverse: 2 likes, 1 boost" in page
    undo = {
        "id": f"{bob.id}#likes/1/undo",
        "type": "Undo",
        "actor": bob.id,
        "object": {"id": f"{bob.id}#likes/1", "type": "Like", "actor": bob.id, "object": url},
    }
    assert post_activity(server, bob, undo).status_code == 202
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "From the fediverse: 1 like, 1 boost" in page
    assert Reaction.objects.count() == 2
    assert not Comment.objects.filter(fediverse_handle__gt="").exists()


def test_the_same_create_twice_makes_one_comment(server, peer, alice, article):
    """Mastodon retries a delivery: one comment."""
    _, activity = reply(peer, alice, article.get_full_url())
    post_activity(server, alice, activity)
    activity["id"] += "-retry"
    activity["id"] = activity["id"]
    post_activity(server, alice, activity)
    assert Comment.objects.filter(fediverse_handle=alice.handle).count() == 1


HOSTILE_NOTES = {
    "NUL characters": {"content": "<p>a\x00b</p>", "summary": "\x00"},
    "content not text": {"content": ["<p>x</p>"], "contentMap": {"en": 5}},
    "attachment not a list": {"attachment": {"url": "javascript:alert(1)"}},
    "attachments of every shape": {"attachment": [1, None, {"url": ["x", {"href": "ftp://a"}]}]},
    "a very long text": {"content": "<p>" + "word " * 30000 + "</p>"},
    "unclosed tags": {"content": "<p><a href='https://x.example/'>x<b><i>"},
    "a summary that is not text": {"summary": {"a": 1}, "sensitive": "yes"},
}


@pytest.mark.parametrize("fields", HOSTILE_NOTES.values(), ids=HOSTILE_NOTES.keys())
def test_hostile_notes_are_stored_as_plain_text_or_refused_never_a_500(
    server, peer, alice, article, fields
):
    """Whatever the Note's fields hold, the answer is 202 or a refusal, and the text is plain."""
    _, activity = reply(peer, alice, article.get_full_url(), **fields)
    response = post_activity(server, alice, activity)
    assert response.status_code in (202, 400)
    for comment in Comment.objects.filter(fediverse_handle=alice.handle):
        assert "\x00" not in comment.body
        assert "<" not in comment.body or "&lt;" not in comment.body
        assert len(comment.body) <= 5000


@pytest.mark.parametrize(
    "activity",
    [
        {"type": "Create", "object": "x" * 600},
        {"type": "Create", "object": {"id": "http://127.0.0.1:1/\x00"}},
        {"type": "Like", "object": ["a", "b"]},
        {"type": "Undo", "object": 5},
        {"type": "Delete", "object": None},
        {"type": ["Create"], "object": {}},
        {"type": "Follow", "object": {"id": 7}},
        {"type": "Update", "object": "https://blog.example.com/fediverse/actor"},
    ],
)
def test_hostile_activities_get_an_answer_never_a_500(server, alice, site_url, activity):
    """Signed by alice but shaped by an attacker: a 2xx or 4xx, never a 500."""
    activity = {"id": f"{alice.id}#x/{abs(hash(str(activity)))}", "actor": alice.id, **activity}
    response = post_activity(server, alice, activity)
    assert 200 <= response.status_code < 500
