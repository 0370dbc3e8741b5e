"""
Pages the same for every reader, with the headers that let any shared cache keep them.

What belongs to one reader (their held comment, a refused form, a stamp, a
staff session) is answered privately, and never from or into a shared copy.
"""

import time
from datetime import timedelta
from unittest import mock

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import INFO
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, ModerationSettings
from comments.section.pending import SALT as PENDING_SALT
from tests.conftest import fresh_stamp, logged_in, post_as, reader
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_comment_changelist")
SHARED = "public, max-age=0, s-maxage=1, stale-while-revalidate=0, stale-if-error=86400"
PRIVATE = "private, no-store"


def shared_urls(article) -> list[str]:
    """Every page a reader can be sent that is the same for everyone, and shared caches keep."""
    return [
        article.get_absolute_url(),
        reverse("blog:home"),
        reverse("blog:feed"),
        reverse("blog:atom"),
        reverse("blog:comments-feed"),
        reverse("blog:article-feed", args=[article.slug]),
        reverse("sitemap"),
        reverse("robots"),
    ]


def get(client, url: str, **headers):
    """GET a page, counting the SQL queries it runs."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    response.query_count = len(queries)
    return response


def test_every_reader_gets_the_same_bytes_with_nothing_of_their_own(seed_article):
    """
    Two readers, one with the cookies a commenter has, byte-compare every shared page.

    No CSRF token, no stamp, no cookie set, no Vary on cookies: a shared cache
    may serve one copy to all.
    """
    commenter = reader()
    data = {"author_name": "A", "author_email": "a@example.org", "body": "Mine."}
    post_as(commenter, seed_article, data)
    # Approved, and past its editing window: their cookie now holds only trust.
    Comment.objects.update(
        status=Comment.Status.APPROVED, created_at=timezone.now() - timedelta(hours=1)
    )
    commenter.get(seed_article.get_absolute_url())  # Drops the settled pending cookie.
    assert "comments_trust" in commenter.cookies
    for url in shared_urls(seed_article):
        first, second = reader().get(url), commenter.get(url)
        assert first.status_code == second.status_code == 200, url
        assert first.content == second.content, url
        assert first["Cache-Control"] == second["Cache-Control"] == SHARED, url
        assert first["ETag"] == second["ETag"], url
        assert not first.cookies and not second.cookies, url
        assert "cookie" not in first.get("Vary", "").lower(), url
    page = reader().get(seed_article.get_absolute_url()).content.decode()
    assert "csrfmiddlewaretoken" not in page
    form = BeautifulSoup(page, "html.parser").select_one("#commentform")
    assert form.select_one("input[name=issued]").get("value", "") == ""


def test_a_matching_conditional_get_answers_304_until_the_page_changes(client, seed_article):
    """The ETag revalidates with one light query, and changes once the page would."""
    url = seed_article.get_absolute_url()
    first = client.get(url)
    not_modified = get(client, url, If_None_Match=first["ETag"])
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == first["ETag"]
    assert not_modified["Cache-Control"] == SHARED
    assert not_modified.query_count == 1

    CommentFactory(article=seed_article, body="New and approved.")
    changed = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert "New and approved." in changed.content.decode()


def test_head_is_answered_like_get(client, seed_article):
    """A cache or a crawler asking HEAD gets the same headers and no body."""
    url = seed_article.get_absolute_url()
    head, full = client.head(url), client.get(url)
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == full["ETag"] and head["Cache-Control"] == SHARED


def test_a_warm_article_page_costs_one_query_whatever_its_comments(seed_article):
    """Rendered once per version: then one query, with 0 comments or 60."""
    for article, count in ((seed_article, 0), (ArticleFactory(), 60)):
        for parent in CommentFactory.create_batch(count // 2, article=article):
            CommentFactory(article=article, parent=parent)
        cold = get(reader(), article.get_absolute_url())
        warm = get(reader(), article.get_absolute_url())
        assert cold.content == warm.content
        assert warm.query_count == 1 < cold.query_count


def test_the_home_page_costs_one_query_when_warm(client):
    """The home page's version is one aggregate query; its rows come from the kept copy."""
    for article in ArticleFactory.create_batch(5):
        CommentFactory.create_batch(3, article=article)
    get(client, "/")
    assert get(client, "/").query_count == 1


def test_saving_the_article_changes_its_page_at_once(client, seed_article):
    """An edit shows to the next reader, whatever copy the app kept."""
    before = client.get(seed_article.get_absolute_url())
    seed_article.title = "Cramps, revisited"
    seed_article.save()
    after = reader().get(seed_article.get_absolute_url())
    assert "Cramps, revisited" in after.content.decode()
    assert after["ETag"] != before["ETag"]


def test_each_public_change_to_the_discussion_changes_the_page(
    client, superuser_client, seed_article
):
    """Approved one by one or in the admin, removed, deleted: readers see it at once."""
    url = seed_article.get_absolute_url()
    first = CommentFactory(article=seed_article, status="pending", body="First thoughts.")
    second = CommentFactory(article=seed_article, status="pending", body="Second thoughts.")
    assert "First thoughts." not in client.get(url).content.decode()

    first.status = Comment.Status.APPROVED
    first.save()
    assert "First thoughts." in client.get(url).content.decode()

    superuser_client.post(CHANGELIST, {"action": "approve", "_selected_action": [second.pk]})
    assert "Second thoughts." in client.get(url).content.decode()

    first.status = Comment.Status.REMOVED
    first.save()
    assert "First thoughts." not in client.get(url).content.decode()

    Comment.objects.get(pk=second.pk).delete()
    assert "Second thoughts." not in client.get(url).content.decode()


@pytest.mark.parametrize("status", ["pending", "spam", "removed"])
def test_a_comment_that_was_never_public_changes_nothing(client, seed_article, status):
    """A held, spam or removed comment leaves every shared page's ETag as it was."""
    before = {url: client.get(url)["ETag"] for url in shared_urls(seed_article)}
    comment = CommentFactory(article=seed_article, status="pending")
    Comment.objects.filter(pk=comment.pk).update(status=status)
    Comment.objects.filter(pk=comment.pk).delete()
    assert {url: client.get(url)["ETag"] for url in before} == before


def test_comments_closing_by_the_clock_change_the_page(client, seed_article):
    """A closing time passing closes the form on the shared page too, with no save."""
    url = seed_article.get_absolute_url()
    type(seed_article).objects.filter(pk=seed_article.pk).update(
        comments_close_at=timezone.now() + timedelta(hours=1)
    )
    assert 'id="commentform"' in client.get(url).content.decode()
    type(seed_article).objects.filter(pk=seed_article.pk).update(
        comments_close_at=timezone.now() - timedelta(seconds=1)
    )
    assert "Comments are closed." in client.get(url).content.decode()


def test_a_scheduled_article_appears_on_the_home_page_when_its_time_comes(client):
    """No save happens when a publication time passes; the home page still changes."""
    article = ArticleFactory(published_at=timezone.now() + timedelta(hours=1))
    before = client.get("/")
    assert article.title not in before.content.decode()
    type(article).objects.filter(pk=article.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    after = client.get("/")
    assert article.title in after.content.decode()
    assert after["ETag"] != before["ETag"]


def test_a_commenter_sees_their_held_comment_on_a_private_page_until_it_is_settled(
    client, seed_article
):
    """
    The pending cookie takes the author past the shared page; it goes once nothing waits.

    Then the author is back on the page every reader shares, unlike WordPress,
    whose commenters get uncached pages for a year.
    """
    data = {"author_name": "Lee", "author_email": "lee@example.org", "body": "Still waiting."}
    post_as(client, seed_article, data)
    own = client.get(seed_article.get_absolute_url())
    assert "Still waiting." in own.content.decode()
    assert own["Cache-Control"] == PRIVATE
    assert not own.has_header("ETag")
    assert "Still waiting." not in reader().get(seed_article.get_absolute_url()).content.decode()

    # Approved, once its author can no longer edit it (tests/comments/test_editing.py).
    Comment.objects.update(
        status=Comment.Status.APPROVED, created_at=timezone.now() - timedelta(hours=1)
    )
    settled = client.get(seed_article.get_absolute_url())
    assert "Still waiting." in settled.content.decode()
    assert settled.cookies["comments_pending"].value == ""  # Deleted.
    back = client.get(seed_article.get_absolute_url())
    assert back["Cache-Control"] == SHARED


def test_a_comment_published_at_once_shows_on_the_page_its_author_is_sent_to(client, seed_article):
    """Trusted or unmoderated: the redirect's page is rendered for the author, with it."""
    ModerationSettings.objects.update_or_create(pk=1, defaults={"hold_all": False})
    client.get(seed_article.get_absolute_url())  # The shared page is now kept.
    data = {"author_name": "Ana", "author_email": "ana@example.org", "body": "Published at once."}
    response = post_as(client, seed_article, data)
    page = client.get(response["Location"])
    assert "Published at once." in page.content.decode()
    assert page["Cache-Control"] == PRIVATE


def test_every_per_reader_answer_is_private_and_never_stored(client, seed_article):
    """A refused form, a confirmation step, a refusal, a stamp, a 404: private, no-store."""
    url = reverse("comments:post", args=[seed_article.slug])
    invalid = client.post(url, {"author_name": "", "issued": fresh_stamp(client)})
    confirm = client.post(url, {"author_name": "A", "author_email": "a@example.org", "body": "B"})
    seed_article.comments_open = False
    seed_article.save()
    refused = client.post(url, {"body": "Closed now."})
    answers = {
        "invalid": invalid,
        "confirm": confirm,
        "refused": refused,
        "stamp": client.get(reverse("comments:stamp")),
        "404": client.get("/articles/no-such-article/"),
        "unknown page": client.get("/no/such/page/"),
    }
    assert {name: r["Cache-Control"] for name, r in answers.items()} == dict.fromkeys(
        answers, PRIVATE
    )
    assert [invalid.status_code, confirm.status_code, refused.status_code] == [400, 200, 403]


def test_staff_and_anyone_with_a_session_get_a_page_of_their_own(
    staff_client, seed_article, settings
):
    """A staff session (or a messages cookie) is never served the shared copy, nor fills it."""
    draft = ArticleFactory(status="draft", title="Not yet public")
    preview = staff_client.get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert "no-store" in preview["Cache-Control"] and "private" in preview["Cache-Control"]
    assert reader().get(draft.get_absolute_url()).status_code == 404

    own = staff_client.get(seed_article.get_absolute_url())
    assert own["Cache-Control"] == PRIVATE and not own.has_header("ETag")
    with_messages = reader()
    with_messages.cookies["messages"] = message_cookie([Message(INFO, "Saved.")])
    assert with_messages.get("/")["Cache-Control"] == PRIVATE


def message_cookie(messages: list[Message]) -> str:
    """A messages cookie as Django's message framework signs it."""
    return CookieStorage(RequestFactory().get("/"))._encode(messages, encode_empty=True)


def pending_cookie(value: str, signed_at: float | None = None) -> str:
    """A pending-comments cookie signed as the site signs it, at ``signed_at`` if given."""
    response = HttpResponse()
    with mock.patch("django.core.signing.time.time", return_value=signed_at or time.time()):
        response.set_signed_cookie("comments_pending", value, salt=PENDING_SALT)
    return response.cookies["comments_pending"].value


def dummy_cookies() -> dict[str, str]:
    """Personal cookies that hold nothing personal, as a stranger can send them in bulk."""
    empty_session = SessionStore()
    empty_session.create()
    return {
        "unsigned messages": "messages=x",
        "empty message storage": f"messages={message_cookie([])}",
        "unsigned pending": "comments_pending=1,2,3",
        "forged pending": f"comments_pending={pending_cookie('1')[:-3]}abc",
        "expired pending": f"comments_pending={pending_cookie('1', time.time() - 86400 * 60)}",
        "empty pending": f"comments_pending={pending_cookie('')}",
        "unknown session": "sessionid=" + "0123456789abcdefghijklmnopqrstuv",
        "malformed session": "sessionid=x",
        "empty session": f"sessionid={empty_session.session_key}",
        "all at once": "messages=x; comments_pending=1; sessionid=0123456789abcdefghijklmnopqrst",
    }


def test_personal_cookies_holding_nothing_get_the_kept_page_without_a_render(seed_article):
    """
    A stranger's dummy cookies (unsigned, forged, expired, empty, an unknown session)
    cannot make the app render: the page comes from the app's own page cache, as the
    shared page it is, with none of the cookie's claims believed.
    """
    CommentFactory.create_batch(5, article=seed_article)
    for url in (seed_article.get_absolute_url(), reverse("blog:home")):
        shared = reader().get(url)
        assert shared.templates  # Rendered once, and kept.
        for name, cookie in dummy_cookies().items():
            response = reader().get(url, headers={"Cookie": cookie})
            assert response.status_code == 200, (url, name)
            assert response.templates == [], (url, name)
            assert response.content == shared.content, (url, name)
            assert response["ETag"] == shared["ETag"], (url, name)


def test_a_personal_cookie_the_app_cannot_read_is_believed(seed_article, settings):
    """A cookie an operator adds to PERSONAL_COOKIES, whatever it holds, gets a page of its own."""
    settings.PERSONAL_COOKIES = [*settings.PERSONAL_COOKIES, "members"]
    url = seed_article.get_absolute_url()
    reader().get(url)
    response = reader().get(url, headers={"Cookie": "members=1"})
    assert_own_page(response)


def test_a_real_personal_cookie_still_gets_the_page_of_its_own(seed_article, staff_user):
    """Beside the dummies: a held comment's cookie, a staff session and a real message."""
    url = seed_article.get_absolute_url()
    reader().get(url)
    commenter = reader()
    data = {"author_name": "Lee", "author_email": "lee@example.org", "body": "Held for Lee."}
    post_as(commenter, seed_article, data)
    staff = logged_in(staff_user)
    with_message = reader()
    with_message.cookies["messages"] = message_cookie([Message(INFO, "Saved.")])
    for client in (commenter, staff, with_message):
        assert_own_page(client.get(url))
    assert "Held for Lee." in commenter.get(url).content.decode()


def assert_own_page(response) -> None:
    """Answered by the view for this reader alone: private, and not the shared page's ETag."""
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE
    assert not response.has_header("ETag")


def test_no_request_header_changes_the_shared_page(seed_article):
    """Host, X-Forwarded-Host, Cache-Control or a stranger's cookie: the same bytes for all."""
    url = seed_article.get_absolute_url()
    plain = reader().get(url)
    attempts = [
        {"X-Forwarded-Host": "evil.example"},
        {"X-Forwarded-Proto": "https"},
        {"Cache-Control": "no-cache", "Pragma": "no-cache"},
        {"Cookie": "comments_trust=forged; csrftoken=abc"},
        {"Accept-Language": "fr"},
        {"Host": "localhost"},
    ]
    for headers in attempts:
        response = reader().get(url, headers=headers)
        assert response.content == plain.content, headers
        assert "evil.example" not in response.content.decode()


def test_the_page_never_depends_on_who_is_logged_in_on_another_browser(seed_article):
    """A moderator's visit renders their own page; readers keep getting the shared one."""
    moderator = logged_in(UserFactory(is_staff=True))
    shared = reader().get(seed_article.get_absolute_url())
    moderator.get(seed_article.get_absolute_url())
    assert reader().get(seed_article.get_absolute_url()).content == shared.content


def test_robots_txt_changes_only_with_a_release(client, seed_article):
    """It reads no data: its ETag stays when articles and comments change, and no query runs."""
    url = reverse("robots")
    before = get(client, url)
    ArticleFactory()
    CommentFactory(article=seed_article, status="approved")
    after = get(client, url)
    assert after["ETag"] == before["ETag"] and after.content == before.content
    assert get(client, url, if_none_match=before["ETag"]).status_code == 304
    assert after.query_count == 0
