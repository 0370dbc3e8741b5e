"""
Leaving is one click: RFC 8058 headers on every email, and links that do one thing each.

The mail client's one-click POST comes with no cookie, no CSRF token and no
Origin; a mail scanner's GET must change nothing; a forged or expired link
does nothing but say so.
"""

import json
import re

import pytest
from bs4 import BeautifulSoup
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from blog.models import Article
from comments.mail.consent import unsubscribe_url
from comments.models import Comment, Mailbox, Subscription
from comments.moderation import change_status
from comments.privacy.rights import erase_commenter, export_commenter
from tests.comments.conftest import confirmed_mailbox, links_in, path_of, tampered
from tests.conftest import SITE_URL, post_as, reset_task_backends
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]

READER = "reader@example.org"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def follower(seed_article):
    """A confirmed reader following the seed article and another one."""
    mailbox = confirmed_mailbox(READER)
    other = ArticleFactory(title="Another article")
    for article in (seed_article, other):
        Subscription.objects.create(
            confirmed_at=timezone.now(),
            mailbox=mailbox,
            kind=Subscription.Kind.ARTICLE,
            article=article,
        )
    return mailbox


@pytest.fixture
def announce(django_capture_on_commit_callbacks):
    """Approve a new comment on an article and return the emails it sent the reader."""

    def announce(article):
        comment = CommentFactory(article=article, status=Comment.Status.PENDING)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            change_status(comment, Comment.Status.APPROVED)
        return [message for message in mail.outbox if message.to == [READER]]

    return announce


def mail_client() -> Client:
    """A mail client's one-click POST: no cookie, no Origin, no token, CSRF enforced."""
    return Client(enforce_csrf_checks=True)


def list_unsubscribe(message) -> str:
    header = message.message()["List-Unsubscribe"]
    assert re.fullmatch(rf"<{re.escape(SITE_URL)}/comments/email/unsubscribe/[^>\s]+/>", header)
    return path_of(header[1:-1])


def test_every_email_carries_the_one_click_headers(
    seed_article, follower, announce, client, django_capture_on_commit_callbacks
):
    """News and confirmation emails alike: an https List-Unsubscribe and its One-Click POST."""
    [news] = announce(seed_article)
    data = {"author_name": "N", "author_email": "new@example.org", "body": "Hi"}
    with django_capture_on_commit_callbacks(execute=True):
        post_as(client, seed_article, {**data, "notify_replies": "on"})
    [confirmation] = [m for m in mail.outbox if m.to == ["new@example.org"]]
    for message in [news, confirmation]:
        headers = message.message()
        list_unsubscribe(message)
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert headers["Auto-Submitted"] == "auto-generated"
    assert "Stop emails about this discussion:" in news.body
    assert "Stop all email from Relief Notes:" in news.body
    assert len(links_in(news, "unsubscribe")) == 2
    # A confirmation request's one click means "never ask again".
    assert list_unsubscribe(confirmation) == path_of(links_in(confirmation, "unsubscribe")[0])


def test_one_click_from_the_mail_client_mutes_that_discussion(seed_article, follower, announce):
    """The POST needs nothing but the link: the article goes quiet, the other one does not."""
    [message] = announce(seed_article)
    response = mail_client().post(list_unsubscribe(message), ONE_CLICK)
    assert response.status_code == 200
    assert "no more email about this discussion" in response.content.decode()
    assert announce(seed_article) == []
    other = Subscription.objects.get().article
    assert len(announce(other)) == 1


def test_opening_the_link_changes_nothing(seed_article, follower, announce):
    """A scanner's GET shows what the button would do, and the button; nothing is stopped."""
    [message] = announce(seed_article)
    page = Client().get(list_unsubscribe(message))
    assert page.status_code == 200
    assert "private" in page["Cache-Control"] and page["X-Robots-Tag"] == "noindex"
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.select_one("form[method=post] button").get_text(strip=True) == "Stop these emails"
    assert seed_article.title in soup.get_text()
    assert Subscription.objects.count() == 2


def test_the_mute_link_in_the_body_and_its_button(seed_article, follower, announce):
    """The page's own button, as a person presses it, does what one click does."""
    [message] = announce(seed_article)
    mute, _ = links_in(message, "unsubscribe")
    browser = Client(enforce_csrf_checks=True)
    page = BeautifulSoup(browser.get(path_of(mute)).content, "html.parser")
    form = page.select_one("form[method=post]")
    data = {field["name"]: field.get("value", "") for field in form.select("input[name]")}
    assert browser.post(path_of(mute), data).status_code == 200
    assert list(Subscription.objects.values_list("article__title", flat=True)) == [
        "Another article"
    ]


def test_stop_all_email(seed_article, follower, announce, django_capture_on_commit_callbacks):
    """Everything goes, consent too: a box ticked later asks again before anything is sent."""
    [message] = announce(seed_article)
    _, stop = links_in(message, "unsubscribe")
    response = mail_client().post(path_of(stop), ONE_CLICK)
    assert response.status_code == 200
    assert "no more email from us" in response.content.decode()
    assert Subscription.objects.count() == 0
    assert not Mailbox.objects.get().is_confirmed()
    assert announce(Article.objects.get(title="Another article")) == []


def test_stop_all_cancels_what_waits_to_be_sent(seed_article, follower, settings, run_worker):
    """An email queued before the click is not sent after it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    reset_task_backends()
    comment = CommentFactory(article=seed_article, status=Comment.Status.PENDING)
    change_status(comment, Comment.Status.APPROVED)
    mail_client().post(path_of(unsubscribe_url(follower)), ONE_CLICK)
    run_worker()
    assert mail.outbox == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_forged_and_expired_links(follower, seed_article, monkeypatch, method):
    """Forged: 400; expired: 410; each with a sentence; nothing stopped either way."""
    client = getattr(mail_client(), method)
    good = path_of(unsubscribe_url(follower, [seed_article.pk]))
    token = good.rstrip("/").rsplit("/", 1)[1]
    forged = [
        good[:-3] + ("x/" if not good.endswith("x/") else "y/"),
        f"/comments/email/unsubscribe/{tampered(token, lambda d: [d[0] + 1, d[1], d[2]])}/",
        f"/comments/email/unsubscribe/{tampered(token, lambda d: [d[0], d[1], 'all'])}/",
        "/comments/email/unsubscribe/"
        + signing.dumps([follower.pk, follower.link_key, "all"], salt="another.salt")
        + "/",
        "/comments/email/unsubscribe/not-a-token/",
    ]
    for path in forged:
        response = client(path, ONE_CLICK)
        assert response.status_code == 400
        assert "This link is not one we sent" in response.content.decode()
    real = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - 400 * 24 * 3600)
    expired = path_of(unsubscribe_url(follower))
    monkeypatch.setattr(signing.time, "time", real)
    response = client(expired, ONE_CLICK)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert Subscription.objects.count() == 2


def test_a_used_link_says_it_is_done(follower):
    """Clicked twice (a mail client, then its reader): done once, the same answer twice."""
    link = path_of(unsubscribe_url(follower))
    assert mail_client().post(link, ONE_CLICK).status_code == 200
    again = mail_client().post(link, ONE_CLICK)
    assert again.status_code == 200 and "no more email from us" in again.content.decode()


def test_export_and_erase_include_email_wishes(follower, seed_article):
    """Export lists the address's wishes and emails; erasure forgets them, links included."""
    CommentFactory(article=seed_article, author_email="Reader+Blog@Example.org")
    data = export_commenter(READER)
    [notifications] = data["email_notifications"]
    assert notifications["email"] == READER
    assert notifications["confirmed_at"]
    assert {s["article"] for s in notifications["subscriptions"]} == {
        seed_article.title,
        "Another article",
    }
    json.dumps(data)
    link = path_of(unsubscribe_url(follower))
    erase_commenter(READER, keep_text=True, by=UserFactory(is_staff=True))
    assert Mailbox.objects.count() == Subscription.objects.count() == 0
    assert export_commenter(READER) is None
    gone = mail_client().post(link, ONE_CLICK)
    assert gone.status_code == 200 and "no more email from us" in gone.content.decode()
