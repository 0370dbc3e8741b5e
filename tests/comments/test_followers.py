"""
"Email me new articles": following the blog by email, with the comment wishes' consent,
limits and one-click unsubscribe, and each new article emailed once to each follower.
"""

import email
import email.policy
import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Article
from comments.mail.delivery import deliver
from comments.mail.followers import announce_new_articles
from comments.models import Announcement, Delivery, Mailbox, Subscription
from comments.privacy.rights import erase_commenter, export_commenter
from tests.comments.conftest import confirmed_mailbox, follow_confirmation, links_in, path_of
from tests.conftest import reader, reset_task_backends, sql_shapes
from tests.factories import ArticleFactory, UserFactory
from tests.perf.mail_sink import MailSink

pytestmark = pytest.mark.django_db

FOLLOWER = "follower@example.org"


@pytest.fixture(autouse=True)
def _commits_at_once(monkeypatch):
    """What waits for a commit (the outbox's tasks) runs at once, as if each request committed."""
    monkeypatch.setattr("lib.outbox.transaction.on_commit", lambda run, **_: run())


@pytest.fixture(autouse=True)
def _seed_article_is_old_news():
    """The seed article (published when the database was made) was announced already."""
    Announcement.objects.bulk_create(Announcement(article=a) for a in Article.objects.all())


def follow(client, address: str = FOLLOWER, **extra):
    """Fill in the follow page's form and send it, as a reader does."""
    page = client.get("/follow/")
    assert page.status_code == 200
    token = BeautifulSoup(page.content, "html.parser").select_one(
        "input[name=csrfmiddlewaretoken]"
    )["value"]
    return client.post("/follow/", {"email": address, "csrfmiddlewaretoken": token}, **extra)


def confirmed_follower(address: str = FOLLOWER, mailoutbox=None) -> Mailbox:
    """A reader who followed and said yes from the confirmation email."""
    client = reader()
    follow(client, address)
    [message] = [m for m in mailoutbox if m.to == [address]]
    follow_confirmation(client, message)
    mailoutbox.clear()
    return Mailbox.objects.by_email(address).get()


def new_article(**fields) -> Article:
    return ArticleFactory(published_at=timezone.now() - timedelta(minutes=1), **fields)


def test_every_page_links_to_the_follow_form(client, seed_article):
    """The footer of the home page and of an article says "Email me new articles"."""
    for address in ("/", seed_article.get_absolute_url()):
        soup = BeautifulSoup(client.get(address).content, "html.parser")
        link = soup.select_one("footer a[href='/follow/']")
        assert link.get_text() == "Email me new articles"


def test_following_asks_for_consent_first_and_sends_nothing_else(mailoutbox):
    """One confirmation email, nothing about articles until its owner says yes."""
    response = follow(reader())
    assert response.status_code == 200
    assert "we have emailed it a link" in response.content.decode()
    [message] = mailoutbox
    assert "each new article on" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mailoutbox.clear()
    new_article(title="Before consent")
    announce_new_articles()
    assert mailoutbox == []
    assert not Subscription.objects.in_force().filter(kind=Subscription.Kind.BLOG).exists()


def test_a_confirmed_follower_gets_a_new_article_once(mailoutbox):
    """Confirmed: a new article is emailed once, however often the worker looks or it is edited."""
    confirmed_follower(mailoutbox=mailoutbox)
    article = new_article(title="Calf stretches", standfirst="Three that work.")
    assert announce_new_articles() == 1
    [message] = mailoutbox
    assert message.to == [FOLLOWER]
    assert message.subject.endswith("New article: “Calf stretches”")
    assert article.get_full_url() in message.body and "Three that work." in message.body
    for _ in range(2):
        article.body = "Edited."
        article.save()
        assert announce_new_articles() == 0
    article.status = Article.Status.DRAFT
    article.save()
    article.status = Article.Status.PUBLISHED
    article.save()
    announce_new_articles()
    assert len(mailoutbox) == 1


def test_a_scheduled_article_is_emailed_at_its_time_without_a_save(mailoutbox):
    """Dated in the future: nothing; once its time passes, the worker emails it."""
    confirmed_follower(mailoutbox=mailoutbox)
    article = ArticleFactory(title="Tomorrow", published_at=timezone.now() + timedelta(hours=1))
    announce_new_articles()
    assert mailoutbox == []
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    announce_new_articles()
    assert [m.subject for m in mailoutbox] == ["[Relief Notes] New article: “Tomorrow”"]


def test_drafts_and_old_posts_are_not_news(mailoutbox):
    """A draft is never emailed; nor is a post dated days ago (an import, a backdated article)."""
    confirmed_follower(mailoutbox=mailoutbox)
    ArticleFactory(status=Article.Status.DRAFT)
    ArticleFactory(published_at=timezone.now() - timedelta(days=30))
    assert announce_new_articles() == 0
    assert mailoutbox == []


def test_an_article_withdrawn_before_sending_is_not_sent(mailoutbox, settings):
    """Queued, then unpublished before the worker sends it: nothing goes."""
    confirmed_follower(mailoutbox=mailoutbox)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    reset_task_backends()
    article = new_article()
    announce_new_articles()
    article.status = Article.Status.DRAFT
    article.save()
    [delivery] = Delivery.objects.filter(kind=Delivery.Kind.ARTICLE)
    assert deliver.call(delivery.pk) == "not needed any more"
    assert mailoutbox == []


def test_two_workers_announce_an_article_once(mailoutbox):
    """An article announced already (by another worker) is skipped: its row decides."""
    confirmed_follower(mailoutbox=mailoutbox)
    article = new_article()
    Announcement.objects.create(article=article)
    assert announce_new_articles() == 0
    assert mailoutbox == []


def test_one_click_unsubscribe_stops_new_articles_only(client, mailoutbox):
    """The email's List-Unsubscribe POST (RFC 8058), with no cookie or token, stops new articles."""
    mailbox = confirmed_follower(mailoutbox=mailoutbox)
    new_article(title="First")
    announce_new_articles()
    [message] = mailoutbox
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert links_in(message, "unsubscribe")[0] == link
    stranger = reader()
    assert stranger.get(path_of(link)).status_code == 200  # Opening it changes nothing.
    assert Subscription.objects.in_force().filter(mailbox=mailbox).exists()
    response = stranger.post(path_of(link), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "no more emails about new articles" in response.content.decode()
    assert not mailbox.subscriptions.filter(kind=Subscription.Kind.BLOG).exists()
    mailbox.refresh_from_db()
    assert mailbox.is_confirmed()  # Other emails they asked for go on.
    mailoutbox.clear()
    new_article(title="Second")
    announce_new_articles()
    assert mailoutbox == []


def test_export_and_erasure_include_followers(mailoutbox):
    """A follower's export lists the wish; erasure forgets the address and its emails."""
    confirmed_follower(mailoutbox=mailoutbox)
    new_article()
    announce_new_articles()
    export = export_commenter(FOLLOWER)
    [box] = export["email_notifications"]
    assert [wish["what"] for wish in box["subscriptions"]] == ["New articles"]
    assert box["subscriptions"][0]["article"] is None
    erasure = erase_commenter(FOLLOWER, keep_text=False, by=UserFactory())
    assert erasure.mailboxes == 1
    assert not Mailbox.objects.exists() and not Delivery.objects.exists()
    assert export_commenter(FOLLOWER) is None


@pytest.mark.parametrize(
    ("address", "sentence"),
    [
        ("", "This field is required."),
        ("not an address", "Enter a valid email address."),
        ("\u017fam@example.org", "We cannot send email to this address as it is written."),
        ("a" * 250 + "@example.org", "at most 254 characters"),
    ],
)
def test_a_bad_address_gets_a_sentence_beside_the_field(mailoutbox, address, sentence):
    """Nothing stored, nothing sent: a 400 with the sentence and what was typed."""
    response = follow(reader(), address)
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    assert sentence in soup.select_one(".invalid-feedback").get_text()
    assert soup.select_one("input[name=email]").get("value", "") == address
    assert not Mailbox.objects.exists() and mailoutbox == []


def test_the_follow_page_is_private_and_csrf_protected(client):
    """The form carries a CSRF token (so its page is private); a cross-site POST is refused."""
    assert client.get("/follow/")["Cache-Control"] == "private, no-store"
    forged = Client(enforce_csrf_checks=True)
    assert forged.post("/follow/", {"email": FOLLOWER}).status_code == 403
    assert not Mailbox.objects.exists()


# The attacker's tests: nothing observable depends on whether an address is known.

STATES = ["unknown", "waiting", "confirmed", "following", "asked a moment ago"]


def victim_in(state: str, mailoutbox) -> None:
    if state == "waiting":
        Mailbox.objects.create(email=FOLLOWER)
    elif state == "confirmed":
        confirmed_mailbox(FOLLOWER)
    elif state == "following":
        confirmed_follower(mailoutbox=mailoutbox)
    elif state == "asked a moment ago":
        follow(reader(), FOLLOWER, REMOTE_ADDR="198.51.100.99")
    mailoutbox.clear()


def test_the_answer_is_the_same_whatever_the_address(mailoutbox, settings):
    """Status, headers, cookies and page are the same for every state of the address typed."""

    def answer(state: str):
        Mailbox.objects.all().delete()
        caches[settings.COMMENTS_RATE_LIMIT_CACHE].clear()
        mailoutbox.clear()
        victim_in(state, mailoutbox)
        response = follow(reader(), FOLLOWER)
        body = re.sub(rb'value="[^"]*"', b'value=""', response.content)
        return response.status_code, sorted(response.headers), sorted(response.cookies), body

    answers = {state: answer(state) for state in STATES}
    assert all(answer == answers["unknown"] for answer in answers.values())


def test_following_does_the_same_work_whatever_the_address(
    mailoutbox, settings, django_capture_on_commit_callbacks
):
    """The same SQL statements, in the same order, for each state of the address typed."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    shapes = {}
    for state in STATES:
        reset_task_backends()
        settings.TASKS = {
            "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
        }
        reset_task_backends()
        Mailbox.objects.all().delete()
        caches[settings.COMMENTS_RATE_LIMIT_CACHE].clear()
        mailoutbox.clear()
        victim_in(state, mailoutbox)
        settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
        reset_task_backends()
        client = reader()
        client.get("/follow/")
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            follow_post(client)
        shapes[state] = sql_shapes(queries.captured_queries)
    for state in STATES[1:]:
        assert shapes[state] == shapes["unknown"], state


def follow_post(client):
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/follow/", {"email": FOLLOWER, "csrfmiddlewaretoken": token}, REMOTE_ADDR="203.0.113.5"
    )
    assert response.status_code == 200


@pytest.mark.parametrize("state", STATES)
def test_the_per_ip_quota_tells_nothing_of_another_address(mailoutbox, settings, state):
    """
    Follow as the victim, then as five +tag addresses of one's own, and count what
    arrives: the same number whatever the victim's address is.
    """
    victim_in(state, mailoutbox)
    attacker = reader()
    follow(attacker, FOLLOWER, REMOTE_ADDR="203.0.113.9")
    for n in range(5):
        follow(attacker, f"eve+{n}@evil.example", REMOTE_ADDR="203.0.113.9")
    own = [m for m in mailoutbox if m.to[0].endswith("@evil.example")]
    assert len(own) == settings.EMAIL_CONFIRMATIONS_PER_IP - 1


def test_one_confirmation_per_address_per_day(mailoutbox):
    """Following again and again from many addresses sends the owner one email a day."""
    for n in range(3):
        follow(reader(), FOLLOWER, REMOTE_ADDR=f"203.0.113.{20 + n}")
    assert len(mailoutbox) == 1


def test_new_articles_reach_followers_through_a_real_smtp_server(settings, run_worker, mailoutbox):
    """
    The email worker (``--batch``) announces the article and sends it over SMTP to a local
    server: one message per follower, with the one-click unsubscribe headers.
    """
    for address in ("one@example.org", "two@example.org"):
        confirmed_follower(address, mailoutbox=mailoutbox)
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    reset_task_backends()
    new_article(title="Over SMTP")
    with (sink_server := MailSink()) as sink:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": sink_server.port, "timeout": 5},
            }
        }
        run_worker()
        run_worker()
    assert sorted(sink.count().items()) == [("one@example.org", 1), ("two@example.org", 1)]
    for raw in sink.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert message["Subject"] == "[Relief Notes] New article: “Over SMTP”"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # On the wire as RFC 2369 has it: the link itself, not RFC 2047 encoded words.
        [header] = re.findall(rb"^List-Unsubscribe: (.*)$", raw, re.MULTILINE)
        assert re.fullmatch(rb"<http://[^>\s]+/comments/email/unsubscribe/[^>\s]+/>\r?", header)
    call_command("email_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert sum(sink.count().values()) == 2
