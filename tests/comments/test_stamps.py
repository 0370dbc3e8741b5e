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


# A person correcting a field is never a bot: writing time runs from when they started.


class Clock:
    """The server's clock, moved forward as a reader's seconds pass."""

    def __init__(self, monkeypatch):
        self.offset = 0.0
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + self.offset)

    def wait(self, seconds: float) -> None:
        self.offset += seconds


def stamp_time(stamp: str) -> float:
    """When a stamp says its reader started writing."""
    return signing.TimestampSigner(salt=SALT).unsign_object(stamp)["t"]


def error_form(response) -> dict[str, str]:
    """What the form shown with its errors sends back, as the browser fills it in."""
    return confirmation_form(response)


def post_form(client, article, data):
    return client.post(reverse("comments:post", args=[article.slug]), data)


def test_a_quick_fix_after_an_error_is_timed_from_the_start_of_writing(
    client, comment_data, seed_article, timing, monkeypatch
):
    """
    With scripts: the stamp comes when the reader starts writing; they post with
    "priya@example", add ".com" and post again within a second. Not spam: held.
    """
    clock = Clock(monkeypatch)
    started = fresh_stamp(client)
    clock.wait(8)  # Writing the comment.
    typo = {**comment_data, "author_email": "priya@example", "issued": started}
    shown = post_form(client, seed_article, typo)
    assert shown.status_code == 400
    clock.wait(1)
    fixed = {**error_form(shown), "author_email": "priya@example.com"}
    assert post_form(client, seed_article, fixed).status_code == 302
    comment = Comment.objects.get()
    assert (comment.status, comment.held_reason) == (
        Comment.Status.PENDING,
        "Every new comment is held for moderation.",
    )


@pytest.mark.parametrize("errors", [1, 3])
def test_without_scripts_a_quick_fix_is_a_person_too(
    client, comment_data, seed_article, timing, monkeypatch, errors
):
    """No script, no stamp: the text was written before the first post; fixes take a second."""
    clock = Clock(monkeypatch)
    data = {**comment_data, "author_email": "priya@example", "issued": ""}
    for _ in range(errors):
        shown = post_form(client, seed_article, data)
        assert shown.status_code == 400
        clock.wait(0.8)
        data = error_form(shown)
    response = post_form(client, seed_article, {**data, "author_email": "priya@example.com"})
    assert response.status_code == 302
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_without_scripts_the_confirmation_step_is_a_person_at_any_speed(
    client, comment_data, seed_article, timing, monkeypatch
):
    """Shown back as it will appear, posted a second later: held, never spam."""
    clock = Clock(monkeypatch)
    step = post_form(client, seed_article, {**comment_data, "issued": ""})
    assert CONFIRM in step.content.decode()
    clock.wait(1)
    assert post_form(client, seed_article, confirmation_form(step)).status_code == 302
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_the_start_of_writing_survives_an_error_then_confirmation_steps(
    client, comment_data, seed_article, timing, monkeypatch
):
    """
    An error page, then confirmation steps (too quick, then the text changed on one): each
    stamp shown keeps the moment the reader started writing, and never makes it later.
    """
    clock = Clock(monkeypatch)
    started = fresh_stamp(client)
    begun = stamp_time(started)
    clock.wait(0.5)
    shown = post_form(client, seed_article, {**comment_data, "author_name": "", "issued": started})
    assert shown.status_code == 400
    clock.wait(0.5)
    step = post_form(client, seed_article, {**error_form(shown), "author_name": "Priya"})
    assert CONFIRM in step.content.decode()  # 1 second after starting: too quick
    clock.wait(0.5)
    changed = post_form(client, seed_article, {**confirmation_form(step), "body": "Fixed a word."})
    assert CONFIRM in changed.content.decode()
    for page in (shown, step, changed):
        assert stamp_time(error_form(page)["issued"]) == begun
    assert Comment.objects.count() == 0
    clock.wait(1.6)  # 3.1 seconds after starting, 1.6 after the last page
    assert post_form(client, seed_article, confirmation_form(changed)).status_code == 302
    comment = Comment.objects.get()
    assert (comment.status, comment.body) == (Comment.Status.PENDING, "Fixed a word.")


def test_too_fast_from_the_start_of_writing_is_asked_to_confirm_never_filed_as_spam(
    client, comment_data, seed_article, timing, monkeypatch
):
    """
    Under three seconds from the first key: the comment is shown back, nothing stored, and
    the reader is told the truth; posting it from there once the seconds passed works.
    """
    clock = Clock(monkeypatch)
    started = fresh_stamp(client)
    clock.wait(1)
    step = post_form(client, seed_article, {**comment_data, "issued": started})
    assert step.status_code == 200 and CONFIRM in step.content.decode()
    assert Comment.objects.count() == 0
    clock.wait(2.5)
    assert post_form(client, seed_article, confirmation_form(step)).status_code == 302
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_a_start_of_writing_cannot_be_borrowed_from_another_browser(
    comment_data, seed_article, timing, monkeypatch
):
    """A bot sending a harvested stamp with an error gets no head start: it is asked to confirm."""
    clock = Clock(monkeypatch)
    harvester, bot = reader(), reader()
    harvested = fresh_stamp(harvester)
    clock.wait(60)
    data = {**comment_data, "author_name": "", "issued": harvested}
    shown = post_form(bot, seed_article, data)
    assert shown.status_code == 400
    assert stamp_time(error_form(shown)["issued"]) > stamp_time(harvested) + 59
