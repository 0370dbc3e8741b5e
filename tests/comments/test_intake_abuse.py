"""
Layered anti-spam (comments/posting/intake.py): honeypot, flood control, duplicates.

The form stamp has its own tests (test_stamps.py). Every refusal answers with a
sentence and the text kept; what looks automated is stored as spam and looks
held to its sender. No answer depends on another browser's comments or email.
"""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.db import connection

from comments.models import Comment, ModerationSettings
from comments.posting import intake
from tests.conftest import logged_in, post_as, reader
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

FLOOD = "You are posting comments too quickly. Please wait {}, then post it again."
DUPLICATE = "Duplicate comment detected; it looks as though you’ve already said that!"


@pytest.fixture
def flood(settings):
    """The real flood rule: one comment per IP address and per browser every 15 seconds."""
    settings.COMMENTS_FLOOD_INTERVAL = 15


def assert_looks_held(client, response, article) -> Comment:
    """The sender sees the usual redirect and "awaiting moderation"; the public sees nothing."""
    comment = Comment.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    own = client.get(article.get_absolute_url()).content.decode()
    assert "Your comment is awaiting moderation." in own
    assert comment.body not in reader().get(article.get_absolute_url()).content.decode()
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


def test_second_comment_from_the_same_ip_within_15_seconds_is_429(
    post_comment, comment_data, seed_article, flood
):
    """Same address, another browser and email: 429 with the sentence, Retry-After, text kept."""
    assert post_comment(comment_data, REMOTE_ADDR="198.51.100.1").status_code == 302
    second = {**comment_data, "author_email": "other@example.org", "body": "Another thought."}
    response = post_as(reader(), seed_article, second, REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 429
    assert response["Retry-After"] == "15"
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".refusal").get_text() == FLOOD.format("15 seconds")
    assert soup.select_one("#typed-comment").get_text() == "Another thought."
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    "spelling",
    [
        "maya.okafor@example.net",
        "MAYA.OKAFOR@EXAMPLE.NET",
        '"maya.okafor"@example.net',
        "maya.okafor+again@example.net",
        "other@example.org",
    ],
)
def test_the_same_browser_from_another_address_is_slowed_down_too(
    post_comment, comment_data, flood, spelling
):
    """The browser is limited whatever address or email it moves to."""
    post_comment(comment_data, REMOTE_ADDR="198.51.100.1")
    second = {**comment_data, "author_email": spelling, "body": "Hi"}
    assert post_comment(second, REMOTE_ADDR="198.51.100.2").status_code == 429


def test_an_email_used_elsewhere_a_moment_ago_tells_a_stranger_nothing(
    post_comment, comment_data, seed_article, flood
):
    """
    Another browser on another address, typing an address that just posted, is not refused.

    A per-email limit would answer 429 exactly when the guessed address had
    commented in the last 15 seconds, to anyone who asked.
    """
    post_comment(comment_data, REMOTE_ADDR="198.51.100.1")
    answers = {}
    for n, email in enumerate(["maya.okafor@example.net", "wrong.guess@example.net"]):
        guess = {**comment_data, "author_email": email, "body": f"Guess {n}"}
        answers[email] = post_as(reader(), seed_article, guess, REMOTE_ADDR=f"198.51.100.{9 + n}")
    assert {response.status_code for response in answers.values()} == {302}


def test_different_people_are_not_slowed_down_by_each_other(
    post_comment, comment_data, seed_article, flood
):
    """Another address and another browser may comment at once."""
    post_comment(comment_data, REMOTE_ADDR="198.51.100.1")
    other = {**comment_data, "author_email": "b@example.org", "body": "Me too."}
    assert post_as(reader(), seed_article, other, REMOTE_ADDR="198.51.100.2").status_code == 302
    assert Comment.objects.count() == 2


def test_moderators_are_exempt_from_flood_control(comment_data, seed_article, flood):
    """A moderator answering several readers in a row is never told to slow down."""
    moderator = UserFactory(is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="can_moderate"))
    client = logged_in(moderator)
    for n in range(3):
        response = post_as(client, seed_article, {**comment_data, "body": f"Answer {n}"})
        assert response.status_code == 302
    assert Comment.objects.count() == 3


def test_flood_keys_hold_no_email_ip_or_token_in_clear(
    client, post_comment, comment_data, flood, settings
):
    """The rate-limit cache sees the address and a keyed digest of the browser, nothing else."""
    post_comment(comment_data)
    if settings.CACHES["ratelimit"]["BACKEND"].endswith("DatabaseCache"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT cache_key FROM cache_ratelimit")
            keys = [row[0] for row in cursor.fetchall()]
    else:  # Redis, as `make test-postgres` runs it.
        keys = [key.decode() for key in caches["ratelimit"]._cache.get_client().keys("*")]
    token = client.cookies["comments_trust"].value.split(":")[0]
    assert keys and not any("maya" in key.lower() or token in key for key in keys)
    caches["ratelimit"].clear()


def test_duplicate_comment_from_the_same_browser_is_409_with_the_text_kept(
    post_comment, comment_data
):
    """The same text sent again by the same browser on the same article is refused."""
    post_comment(comment_data)
    response = post_comment({**comment_data, "author_email": "MAYA.okafor@example.net"})
    assert response.status_code == 409
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".refusal").get_text() == DUPLICATE
    assert soup.select_one("#typed-comment").get_text() == comment_data["body"]
    assert Comment.objects.count() == 1


def test_a_duplicate_of_the_browsers_own_spam_is_still_refused(post_comment, comment_data):
    """Sending a caught comment again from the same browser does not get it through."""
    post_comment({**comment_data, "subject": "filled by a bot"})
    assert Comment.objects.get().status == Comment.Status.SPAM
    assert post_comment(comment_data).status_code == 409


@pytest.mark.parametrize("approved", [True, False])
def test_reposting_a_comment_with_a_guessed_email_tells_nothing_about_who_wrote_it(
    comment_data, seed_article, approved
):
    """
    Another browser sending a comment's exact text gets one answer whatever email it types.

    The old duplicate check answered 409 only to the right address (any case);
    now a repeat from another browser is taken like any comment, and one that
    repeats a published comment is held for a moderator, who is told why.
    """
    status = Comment.Status.APPROVED if approved else Comment.Status.PENDING
    CommentFactory(
        article=seed_article,
        author_email="maya.okafor@example.net",
        body=comment_data["body"],
        status=status,
    )
    guesses = ["maya.okafor@example.net", "Maya.Okafor@Example.NET", "wrong@example.org"]
    answers = []
    for email in guesses:
        browser = reader()
        response = post_as(browser, seed_article, {**comment_data, "author_email": email})
        page = browser.get(response["Location"]).content.decode()
        answers.append((response.status_code, "Your comment is awaiting moderation." in page))
    assert answers == [(302, True)] * 3
    stored = Comment.objects.order_by("pk")[1:]
    assert {comment.status for comment in stored} == {Comment.Status.PENDING}
    if approved:
        assert {comment.held_reason for comment in stored} == {
            "It repeats the text of a published comment on this article."
        }


def test_repeating_a_published_comment_is_held_even_when_nothing_else_would(
    comment_data, seed_article
):
    """With "hold every new comment" off, a copy of a published comment still waits."""
    rules = ModerationSettings.load()
    rules.hold_all = False
    rules.save()
    CommentFactory(article=seed_article, body=comment_data["body"])
    response = post_as(reader(), seed_article, comment_data)
    assert response.status_code == 302
    assert Comment.objects.latest("pk").status == Comment.Status.PENDING
    fresh = post_as(reader(), seed_article, {**comment_data, "body": "Something new."})
    assert fresh.status_code == 302
    assert Comment.objects.latest("pk").status == Comment.Status.APPROVED


def test_same_text_on_another_article_is_not_a_duplicate(post_comment, comment_data):
    """Another article may hear the same thing from the same browser."""
    post_comment(comment_data)
    assert post_comment(comment_data, article=ArticleFactory()).status_code == 302
    assert Comment.objects.count() == 2


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


def test_the_flood_refusal_says_how_long_is_left(
    post_comment, comment_data, seed_article, flood, monkeypatch
):
    """Ten seconds after a comment, the next is told to wait 5 more seconds, and Retry-After: 5."""
    start = 1_800_000_000.0
    monkeypatch.setattr(intake, "clock", lambda: start)
    assert post_comment(comment_data, REMOTE_ADDR="198.51.100.3").status_code == 302
    monkeypatch.setattr(intake, "clock", lambda: start + 10.2)
    second = {**comment_data, "body": "A second thought."}
    response = post_as(reader(), seed_article, second, REMOTE_ADDR="198.51.100.3")
    assert response.status_code == 429
    assert response["Retry-After"] == "5"
    sentence = BeautifulSoup(response.content, "html.parser").select_one(".refusal").get_text()
    assert sentence == FLOOD.format("5 seconds")
