"""
The form stamp: fetched when a reader starts writing, single use, bound to their browser.

Without a stamp (no script) a submission gets a confirmation step: the comment
shown back as it will appear, posted from there with a fresh stamp.
"""

import time

import pytest
from bs4 import BeautifulSoup
from django.core import signing
from django.urls import reverse

from comments.models import Comment
from comments.posting.stamps import SALT
from tests.conftest import fresh_stamp, post_as, reader

pytestmark = pytest.mark.django_db

CONFIRM = "Please check your comment as it will appear, then post it."


@pytest.fixture
def timing(settings):
    """The real timing rule: three seconds at least between starting to write and sending."""
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3


def confirmation_form(response) -> dict[str, str]:
    """What the confirmation step's form would send back, as the browser fills it in."""
    form = BeautifulSoup(response.content, "html.parser").select_one("#commentform")
    fields = {tag["name"]: tag.get("value", "") for tag in form.select("input[name]")}
    fields["body"] = form.select_one("textarea[name=body]").get_text()
    for box in form.select("input[type=checkbox]"):
        fields.pop(box["name"])
    fields.pop("submit", None)
    return fields


def test_the_stamp_endpoint_is_private_and_binds_the_stamp_to_a_browser_cookie(client):
    """JSON, never stored by any cache, with the HttpOnly browser cookie the stamp is bound to."""
    response = client.get(reverse("comments:stamp"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, no-store"
    assert response.json()["issued"]
    cookie = response.cookies["comments_trust"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.post(reverse("comments:stamp")).status_code == 405


def test_a_stamp_from_the_endpoint_gets_a_comment_in(post_comment, comment_data):
    """The path comments.js takes: fetch a stamp, post with it, the comment waits."""
    assert post_comment(comment_data).status_code == 302
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_a_stamp_is_single_use(client, post_comment, comment_data):
    """A second submission with a spent stamp is a bot replaying it: stored as spam."""
    stamp = fresh_stamp(client)
    assert post_comment({**comment_data, "issued": stamp}).status_code == 302
    again = {**comment_data, "issued": stamp, "body": "Another comment, same stamp."}
    assert post_comment(again).status_code == 302
    replayed = Comment.objects.latest("pk")
    assert replayed.status == Comment.Status.SPAM
    assert replayed.held_reason == "The form's stamp had already been used."


def test_a_stamp_fetched_by_another_browser_is_not_accepted(comment_data, seed_article):
    """A stamp harvested once cannot serve a botnet: another browser gets the confirmation."""
    harvester, bot = reader(), reader()
    response = post_as(bot, seed_article, {**comment_data, "issued": fresh_stamp(harvester)})
    assert response.status_code == 200
    assert CONFIRM in response.content.decode()
    assert Comment.objects.count() == 0


def test_form_sent_back_too_fast_is_spam(client, post_comment, comment_data, timing):
    """Under three seconds from starting to write to sending is not a person typing."""
    response = post_comment(comment_data)
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.SPAM
    assert comment.held_reason.startswith("Sent 0.")
    assert comment.held_reason.endswith("seconds after the reader started writing.")


def test_a_person_taking_their_time_is_held_as_usual(
    client, post_comment, comment_data, timing, monkeypatch
):
    """After the three seconds, the comment goes to the moderation queue."""
    stamp = fresh_stamp(client)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 40)
    post_comment({**comment_data, "issued": stamp})
    assert Comment.objects.get().status == Comment.Status.PENDING


@pytest.mark.parametrize("stamp", ["1700000000.000:forged:signature", "garbage", "a" * 300])
def test_forged_stamp_is_spam(post_comment, comment_data, stamp):
    """A stamp our server did not sign: caught, stored as spam, never lost."""
    post_comment({**comment_data, "issued": stamp})
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.SPAM
    assert comment.held_reason == "The form's stamp was forged."


def test_without_a_stamp_the_comment_is_shown_back_and_posted_from_there(
    client, comment_data, seed_article
):
    """The path without JavaScript: a confirmation step, then the comment is in."""
    response = post_as(client, seed_article, {**comment_data, "issued": ""})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert Comment.objects.count() == 0
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".confirm-message").get_text() == CONFIRM
    preview = soup.select_one(".comment-preview")
    assert preview.select_one(".comment-author").get_text(strip=True) == "Maya Okafor"
    assert preview.select_one(".comment-content").get_text(strip=True) == comment_data["body"]
    assert soup.select_one("input[type=submit]")["value"] == "Post Comment"

    data = confirmation_form(response)
    assert data["issued"] and data["author_email"] == comment_data["author_email"]
    posted = client.post(reverse("comments:post", args=[seed_article.slug]), data)
    assert posted.status_code == 302
    assert Comment.objects.get().body == comment_data["body"]


def test_the_confirmation_step_waits_for_the_minimum_time(
    client, comment_data, seed_article, timing, monkeypatch
):
    """Posting from the confirmation page at once is a bot's speed; after the wait it works."""
    step = post_as(client, seed_article, {**comment_data, "issued": ""})
    data = confirmation_form(step)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 5)
    response = client.post(reverse("comments:post", args=[seed_article.slug]), data)
    assert response.status_code == 302
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_a_confirmation_stamp_cannot_carry_another_text(client, comment_data, seed_article):
    """A forged step with a different text is shown back again; nothing is stored."""
    step = post_as(client, seed_article, {**comment_data, "issued": ""})
    forged = {**confirmation_form(step), "body": "Something the reader never saw."}
    response = client.post(reverse("comments:post", args=[seed_article.slug]), forged)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".comment-preview .comment-content").get_text(strip=True) == (
        "Something the reader never saw."
    )
    assert Comment.objects.count() == 0


def test_an_expired_stamp_gets_the_confirmation_step_with_the_text_kept(
    client, comment_data, seed_article, monkeypatch
):
    """A form left open for hours: 400, the sentence, the text, and a fresh stamp to post with."""
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 7 * 3600)
    monkeypatch.setattr(time, "time", lambda: real_time() - 7 * 3600)
    old = fresh_stamp(client)
    monkeypatch.undo()

    response = post_as(client, seed_article, {**comment_data, "issued": old})
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".confirm-message").get_text() == (
        "This form has expired; please check your comment and post it again."
    )
    data = confirmation_form(response)
    assert data["body"].strip() == comment_data["body"] and data["issued"] != old
    assert client.post(reverse("comments:post", args=[seed_article.slug]), data).status_code == 302
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_stamps_hold_nothing_readable_about_the_reader(client):
    """A stamp carries a time, a random id and keyed digests: no token, no address."""
    stamp = fresh_stamp(client)
    payload = signing.TimestampSigner(salt=SALT).unsign_object(stamp)
    assert set(payload) == {"t", "n", "b"}
    assert client.cookies["comments_trust"].value.split(":")[0] not in stamp
