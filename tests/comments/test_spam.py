"""Layered anti-spam: honeypot, signed timestamp, flood control, duplicates."""

import time

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.core import signing
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from comments.spam import STAMP_SALT
from tests.conftest import logged_in
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

FLOOD = "You are posting comments too quickly. Slow down."
DUPLICATE = "Duplicate comment detected; it looks as though you’ve already said that!"


def stamp_from(seconds_ago: float) -> str:
    """A genuine stamp for a form served ``seconds_ago``."""
    signer = signing.TimestampSigner(salt=STAMP_SALT)
    return signer.sign(f"{time.time() - seconds_ago:.3f}")


@pytest.fixture
def timing(settings):
    """The real timing rule: forms need three seconds to be filled in."""
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3


@pytest.fixture
def flood(settings):
    """The real flood rule: one comment per IP and per email every 15 seconds."""
    settings.COMMENTS_FLOOD_INTERVAL = 15


def assert_looks_held(client, response, article) -> Comment:
    """The sender sees the usual redirect and "awaiting moderation"; the public sees nothing."""
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    own = client.get(article.get_absolute_url()).content.decode()
    assert "Your comment is awaiting moderation." in own
    assert comment.body not in Client().get(article.get_absolute_url()).content.decode()
    return comment


def test_honeypot_is_hidden_from_people_keyboards_and_screen_readers(client, seed_article):
    """The trap field sits in a display:none box, out of the tab order and the a11y tree."""
    soup = BeautifulSoup(client.get(seed_article.get_absolute_url()).content, "html.parser")
    trap = soup.select_one("input[name=subject]")
    box = trap.find_parent("div", class_="hp")
    assert box["aria-hidden"] == "true"
    assert trap["tabindex"] == "-1"
    assert trap["autocomplete"] == "off"
    assert ".hp { display: none; }" in (client.get("/static/css/site.css").getvalue().decode())


def test_filled_honeypot_is_stored_as_spam_and_looks_held(
    client, post_comment, comment_data, seed_article
):
    """A bot that fills every field gets no hint; moderators find it under spam, with why."""
    response = post_comment({**comment_data, "subject": "Buy now"})
    comment = assert_looks_held(client, response, seed_article)
    assert comment.status == Comment.Status.SPAM
    assert comment.held_reason == "The hidden honeypot field was filled in."


def test_form_sent_back_too_fast_is_spam(client, post_comment, comment_data, seed_article, timing):
    """Under three seconds from serving to sending is not a person typing."""
    response = post_comment({**comment_data, "issued": stamp_from(0.5)})
    comment = assert_looks_held(client, response, seed_article)
    assert comment.status == Comment.Status.SPAM
    assert comment.held_reason.startswith("Sent 0.")
    assert comment.held_reason.endswith("seconds after the form was served.")


@pytest.mark.parametrize("stamp", ["", "1700000000.000:forged:signature", "garbage"])
def test_missing_or_forged_timestamp_is_spam(client, post_comment, comment_data, stamp):
    """A post that did not come from our form's page is caught, never lost."""
    post_comment({**comment_data, "issued": stamp})
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.SPAM
    assert comment.held_reason == "The form's timestamp was missing or forged."


def test_a_person_taking_their_time_is_held_as_usual(post_comment, comment_data, timing):
    """After the three seconds, the comment goes to the moderation queue."""
    post_comment({**comment_data, "issued": stamp_from(40)})
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_expired_form_is_refused_with_the_text_kept_and_a_fresh_form(
    client, post_comment, comment_data, seed_article, monkeypatch
):
    """A form served hours ago: 400, the sentence, the text kept, and it can be sent again."""
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 7 * 3600)
    old = stamp_from(0)
    monkeypatch.undo()

    response = post_comment({**comment_data, "issued": old})
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    summary = soup.select_one("#error-summary").get_text()
    assert "This form has expired; please submit it again." in summary
    assert soup.select_one("#id_body").get_text().strip() == comment_data["body"]
    assert Comment.objects.count() == 0

    fresh = soup.select_one("input[name=issued]")["value"]
    assert fresh != old
    assert post_comment({**comment_data, "issued": fresh}).status_code == 302
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_second_comment_from_the_same_ip_within_15_seconds_is_429(
    post_comment, comment_data, seed_article, flood
):
    """Same address, another email: 429 with the sentence, Retry-After, the text kept."""
    assert post_comment(comment_data, REMOTE_ADDR="198.51.100.1").status_code == 302
    second = {**comment_data, "author_email": "other@example.org", "body": "Another thought."}
    response = post_comment(second, REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 429
    assert response["Retry-After"] == "15"
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".refusal").get_text() == FLOOD
    assert soup.select_one("#typed-comment").get_text() == "Another thought."
    assert Comment.objects.count() == 1


def test_second_comment_from_the_same_email_within_15_seconds_is_429(
    post_comment, comment_data, flood
):
    """Same email from another address is slowed down too (case does not matter)."""
    post_comment(comment_data, REMOTE_ADDR="198.51.100.1")
    second = {**comment_data, "author_email": comment_data["author_email"].upper(), "body": "Hi"}
    assert post_comment(second, REMOTE_ADDR="198.51.100.2").status_code == 429


def test_different_people_are_not_slowed_down_by_each_other(post_comment, comment_data, flood):
    """Another address and another email may comment at once."""
    post_comment(comment_data, REMOTE_ADDR="198.51.100.1")
    other = {**comment_data, "author_email": "b@example.org", "body": "Me too."}
    assert post_comment(other, REMOTE_ADDR="198.51.100.2").status_code == 302
    assert Comment.objects.count() == 2


def test_moderators_are_exempt_from_flood_control(comment_data, seed_article, flood):
    """A moderator answering several readers in a row is never told to slow down."""
    moderator = UserFactory(is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="can_moderate"))
    client = logged_in(moderator)
    url = reverse("comments:post", args=[seed_article.slug])
    for n in range(3):
        response = client.post(url, {**comment_data, "body": f"Answer {n}"})
        assert response.status_code == 302
    assert Comment.objects.count() == 3


def test_flood_keys_hold_no_email_in_clear(post_comment, comment_data, flood, settings):
    """The rate-limit cache only ever sees a keyed hash of the email."""
    from django.core.cache import caches
    from django.db import connection

    post_comment(comment_data)
    if settings.CACHES["ratelimit"]["BACKEND"].endswith("DatabaseCache"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT cache_key FROM cache_ratelimit")
            keys = [row[0] for row in cursor.fetchall()]
    else:  # Redis, as `make test-postgres` runs it.
        keys = [key.decode() for key in caches["ratelimit"]._cache.get_client().keys("*")]
    assert keys and not any("maya" in key.lower() for key in keys)
    caches["ratelimit"].clear()


def test_duplicate_comment_is_409_with_the_text_kept(post_comment, comment_data, seed_article):
    """The same text by the same author on the same article is refused and not stored twice."""
    post_comment(comment_data)
    response = post_comment({**comment_data, "author_email": "MAYA.okafor@example.net"})
    assert response.status_code == 409
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".refusal").get_text() == DUPLICATE
    assert soup.select_one("#typed-comment").get_text() == comment_data["body"]
    assert Comment.objects.count() == 1


def test_same_text_elsewhere_or_by_someone_else_is_not_a_duplicate(
    post_comment, comment_data, seed_article
):
    """Another article, or another author, may say the same thing."""
    post_comment(comment_data)
    assert post_comment(comment_data, article=ArticleFactory()).status_code == 302
    other_author = {**comment_data, "author_email": "someone@example.org"}
    assert post_comment(other_author).status_code == 302
    assert Comment.objects.count() == 3


def test_duplicate_of_a_spam_comment_is_still_refused(post_comment, comment_data, seed_article):
    """Sending a caught comment again does not get it through."""
    CommentFactory(
        article=seed_article,
        author_email=comment_data["author_email"],
        body=comment_data["body"],
        status=Comment.Status.SPAM,
    )
    assert post_comment(comment_data).status_code == 409


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1", "10.0.0.1"),
        (1, "203.0.113.9", "10.0.0.1", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "10.0.0.1", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "10.0.0.1", "203.0.113.9"),
        (1, "", "10.0.0.1", "10.0.0.1"),
    ],
)
def test_ip_address_behind_trusted_proxies(
    post_comment, comment_data, settings, proxies, forwarded, remote, expected
):
    """Only as many X-Forwarded-For entries as there are trusted proxies are believed."""
    settings.TRUSTED_PROXY_COUNT = proxies
    post_comment(comment_data, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert Comment.objects.get().ip_address == expected
