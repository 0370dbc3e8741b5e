"""
Asking for email: nothing but one confirmation email until the address's owner says yes.

Attacked as a stranger would: typing someone else's address, following a
forged, expired or used link, using the form to mail people, reading the
answer to learn whether an address is known.
"""

import difflib
import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core import signing
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.mail.consent import confirmation_url
from comments.models import Comment, Delivery, Mailbox, ModerationSettings, Subscription
from comments.moderation import change_status
from tests.comments.conftest import (
    confirmed_mailbox,
    follow_confirmation,
    links_in,
    path_of,
    tampered,
)
from tests.conftest import SITE_URL, fresh_stamp, post_as, reader, reset_task_backends, sql_shapes
from tests.factories import CommentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]

WISHES = {
    "notify_on_approval": "Email me when my comment is approved",
    "notify_replies": "Email me when someone replies to me",
    "notify_article": "Email me about new comments on this article",
}


@pytest.fixture
def send(seed_article, comment_data, django_capture_on_commit_callbacks):
    """Post a comment from a fresh browser (or the one given) and run what waits for the commit."""

    def send(browser=None, article=None, environ=None, **fields):
        data = {**comment_data, **fields}
        with django_capture_on_commit_callbacks(execute=True):
            response = post_as(
                browser or reader(), article or seed_article, data, **(environ or {})
            )
        assert response.status_code == 302
        return response

    return send


def to(address: str, outbox) -> list:
    return [message for message in outbox if message.to == [address]]


def approve(*comments, capture) -> None:
    with capture(execute=True):
        change_status(list(comments), Comment.Status.APPROVED)


class TestTheForm:
    def test_three_wishes_all_unticked(self, client, seed_article):
        """Beside the form, each wish is an unticked checkbox with its plain sentence."""
        page = BeautifulSoup(client.get(seed_article.get_absolute_url()).content, "html.parser")
        for name, sentence in WISHES.items():
            box = page.select_one(f"#commentform input[name={name}]")
            assert box["type"] == "checkbox" and not box.has_attr("checked")
            assert page.select_one(f"label[for={box['id']}]").get_text(strip=True) == sentence
        assert "once you have confirmed your address" in page.select_one("#commentform").get_text()

    def test_no_wish_no_mailbox_no_email(self, send, comment_data, mailoutbox):
        """A comment without a tick stores nothing for email and sends readers nothing."""
        send()
        assert Mailbox.objects.count() == 0
        assert to(comment_data["author_email"], mailoutbox) == []


class TestDoubleOptIn:
    @pytest.mark.parametrize("wish", list(WISHES))
    def test_a_wish_sends_one_confirmation_and_nothing_else(
        self, send, comment_data, mailoutbox, wish
    ):
        """Whatever is ticked, the address gets one email: the confirmation request."""
        send(**{wish: "on"})
        [message] = to(comment_data["author_email"], mailoutbox)
        assert message.subject == "[Relief Notes] Please confirm your email address"
        assert len(links_in(message, "confirm")) == 1
        assert comment_data["body"] not in message.body  # no comment text before consent
        assert "this is the only email you will get" in message.body

    def test_nothing_reaches_an_unconfirmed_address(
        self, send, comment_data, seed_article, mailoutbox, django_capture_on_commit_callbacks
    ):
        """Replies, new comments, its own approval: none is announced before consent."""
        send(notify_on_approval="on", notify_replies="on", notify_article="on")
        own = Comment.objects.get()
        approve(own, capture=django_capture_on_commit_callbacks)
        reply = CommentFactory(article=seed_article, parent=own, status=Comment.Status.PENDING)
        other = CommentFactory(article=seed_article, status=Comment.Status.PENDING)
        approve(reply, other, capture=django_capture_on_commit_callbacks)
        assert len(to(comment_data["author_email"], mailoutbox)) == 1  # the confirmation

    def test_opening_the_link_changes_nothing_pressing_its_button_confirms(
        self, send, comment_data, mailoutbox
    ):
        """Mail scanners follow links: a GET shows a button; only its POST confirms."""
        send(notify_replies="on")
        [message] = to(comment_data["author_email"], mailoutbox)
        [link] = links_in(message, "confirm")
        assert link.startswith(f"{SITE_URL}/")
        page = reader().get(path_of(link))
        assert page.status_code == 200
        assert "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]
        assert page["X-Robots-Tag"] == "noindex"
        soup = BeautifulSoup(page.content, "html.parser")
        assert soup.select_one("form[method=post] button").get_text(strip=True) == "Yes, email me"
        assert "replies to your comment on" in soup.get_text()
        assert not Mailbox.objects.get().is_confirmed()

        done = reader().post(path_of(link))
        assert done.status_code == 200
        assert "your address is confirmed" in done.content.decode()
        assert Mailbox.objects.get().is_confirmed()

    def test_confirming_announces_an_approval_that_came_first(
        self, send, comment_data, mailoutbox, django_capture_on_commit_callbacks
    ):
        """Approved before its author confirmed: the approval email goes once they do."""
        browser = reader()
        send(browser, notify_on_approval="on")
        [confirmation] = to(comment_data["author_email"], mailoutbox)
        comment = Comment.objects.get()
        approve(comment, capture=django_capture_on_commit_callbacks)
        assert len(to(comment_data["author_email"], mailoutbox)) == 1
        with django_capture_on_commit_callbacks(execute=True):
            follow_confirmation(browser, confirmation)
        published = to(comment_data["author_email"], mailoutbox)[1:]
        assert [m.subject for m in published] == [
            f"[Relief Notes] Your comment on “{comment.article.title}” is published"
        ]
        comment.refresh_from_db()
        assert not comment.notify_on_approval  # the wish is spent

    def test_confirmed_from_another_browser_own_comments_are_not_announced(
        self, send, comment_data, mailoutbox, django_capture_on_commit_callbacks
    ):
        """
        "Your comment is published" goes only for comments posted from a browser the owner
        confirmed from; the page pressed elsewhere says so before the button.
        """
        send(notify_on_approval="on", notify_article="on")
        [confirmation] = to(comment_data["author_email"], mailoutbox)
        phone = reader()
        [link] = links_in(confirmation, "confirm")
        page = phone.get(path_of(link)).content.decode()
        assert "open this link in that browser instead" in page
        assert "is published" not in BeautifulSoup(page, "html.parser").select_one("ul").text
        with django_capture_on_commit_callbacks(execute=True):
            follow_confirmation(phone, confirmation)
        approve(Comment.objects.get(), capture=django_capture_on_commit_callbacks)
        assert to(comment_data["author_email"], mailoutbox) == [confirmation]
        assert Subscription.objects.in_force().count() == 1  # the article's new comments

    def test_a_confirmed_address_stays_confirmed_in_the_browser_that_confirmed_it(
        self, send, comment_data, mailoutbox, django_capture_on_commit_callbacks
    ):
        """Ticking a box again later from that browser asks nothing: the wish is in force."""
        browser = reader()
        send(browser, notify_replies="on")
        [confirmation] = to(comment_data["author_email"], mailoutbox)
        follow_confirmation(browser, confirmation)
        send(browser, notify_article="on", body="Later.")
        assert to(comment_data["author_email"], mailoutbox) == [confirmation]
        assert Subscription.objects.in_force().filter(kind=Subscription.Kind.ARTICLE).count() == 1

    def test_a_plus_tag_is_another_mailbox(self, send, mailoutbox):
        """Consent given for maya@ is not given for maya+blog@, which gets its own request."""
        confirmed_mailbox("maya@example.net")
        send(author_email="Maya+Blog@Example.net", notify_replies="on")
        [message] = to("Maya+Blog@Example.net", mailoutbox)
        assert "confirm" in message.subject

    def test_an_address_at_its_length_limit(self, send, mailoutbox):
        """254 characters, the form's limit: stored, sent to, and confirmed like any other."""
        address = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 57}.com"
        assert len(address) == 254
        send(author_email=address, notify_replies="on")
        [message] = to(address, mailoutbox)
        follow_confirmation(reader(), message)
        assert Mailbox.objects.get().email == address
        assert Mailbox.objects.get().is_confirmed()

    def test_spam_gets_no_confirmation_until_a_moderator_approves_it(
        self, send, comment_data, mailoutbox, django_capture_on_commit_callbacks
    ):
        """A comment caught as spam mails no one; approving it sends the confirmation then."""
        ModerationSettings.objects.update_or_create(pk=1, defaults={"block_words": "cramps"})
        send(notify_replies="on")
        comment = Comment.objects.get()
        assert comment.status == Comment.Status.SPAM
        assert to(comment_data["author_email"], mailoutbox) == []
        approve(comment, capture=django_capture_on_commit_callbacks)
        [message] = to(comment_data["author_email"], mailoutbox)
        assert "confirm" in message.subject


class TestLinks:
    @pytest.fixture
    def link(self, send, comment_data, mailoutbox) -> str:
        send(notify_replies="on")
        [message] = to(comment_data["author_email"], mailoutbox)
        return path_of(links_in(message, "confirm")[0])

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_forged_links_are_refused_with_a_sentence(self, link, method):
        """A changed character, another salt, another mailbox's id: 400, nothing confirmed."""
        mailbox = Mailbox.objects.get()
        token = link.rstrip("/").rsplit("/", 1)[1]
        forged = [
            token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
            tampered(token, lambda data: [data[0] + 1, data[1], data[2]]),
            tampered(token, lambda data: [data[0], data[1], "guessed"]),
            signing.dumps([mailbox.pk, mailbox.link_key, mailbox.confirmation_nonce]),
            "not-a-token",
        ]
        for bad in forged:
            response = getattr(reader(), method)(reverse("comments:confirm-email", args=[bad]))
            assert response.status_code == 400
            assert "This link is not one we sent" in response.content.decode()
        assert not Mailbox.objects.get().is_confirmed()

    def test_an_expired_link_is_refused(self, link, settings, monkeypatch):
        """Past COMMENTS_CONFIRM_LINK_DAYS: 410 with what to do, nothing confirmed."""
        mailbox = Mailbox.objects.get()
        real = signing.time.time
        monkeypatch.setattr(signing.time, "time", lambda: real() - 8 * 24 * 3600)
        old = path_of(confirmation_url(mailbox))
        monkeypatch.setattr(signing.time, "time", real)
        response = reader().post(old)
        assert response.status_code == 410
        assert "This confirmation link has expired" in response.content.decode()
        assert not Mailbox.objects.get().is_confirmed()

    def test_a_used_link_confirms_once(self, link):
        """Used again after confirming: it says so, and changes nothing."""
        assert reader().post(link).status_code == 200
        first = Mailbox.objects.get().confirmed_at
        again = reader().post(link)
        assert again.status_code == 200
        assert "Your address is confirmed" in again.content.decode()
        assert Mailbox.objects.get().confirmed_at == first

    def test_a_replaced_link_no_longer_confirms(self, link, settings, send, mailoutbox):
        """A newer request replaces the older link: it is refused, the newer one works."""
        settings.EMAIL_CONFIRM_INTERVAL_HOURS = 0
        send(notify_article="on", body="A second thought.")
        newer = path_of(links_in(mailoutbox[-1], "confirm")[0])
        assert newer != link
        response = reader().post(link)
        assert response.status_code == 410
        assert "already used, or a newer email replaced it" in response.content.decode()
        assert reader().post(newer).status_code == 200


class TestNoStrangerIsMailed:
    def test_one_confirmation_per_address_per_day(self, send, comment_data, mailoutbox):
        """However often the address is typed with a tick, from wherever, it gets one email."""
        for n in range(4):
            send(notify_replies="on", body=f"Comment number {n}.")
        assert len(to(comment_data["author_email"], mailoutbox)) == 1
        assert Subscription.objects.count() == 4  # each wish kept, for when they confirm

    def test_a_few_confirmations_per_ip_address(self, send, settings, mailoutbox):
        """One IP address asking for many addresses gets EMAIL_CONFIRMATIONS_PER_IP sent."""
        settings.EMAIL_CONFIRMATIONS_PER_IP = 3
        for n in range(5):
            send(author_email=f"stranger{n}@example.org", notify_replies="on", body=f"No {n}.")
        assert len(mailoutbox) == 3
        send(
            author_email="someone.else@example.org",
            notify_replies="on",
            environ={"REMOTE_ADDR": "198.51.100.7"},
        )
        assert len(mailoutbox) == 4

    def test_the_answer_is_the_same_whatever_the_address(
        self, send, seed_article, settings, comment_data
    ):
        """Confirmed, unconfirmed, rate-limited or new: the same status, headers and page."""
        confirmed_mailbox("known@example.org")
        Mailbox.objects.create(email="waiting@example.org")
        limited = Mailbox.objects.create(email="limited@example.org")
        send(author_email=limited.email, notify_replies="on", body="Earlier.")

        def answer(address: str, n: int):
            browser = reader()
            response = send(browser, author_email=address, notify_replies="on", body="Same.")
            page = browser.get(response["Location"])
            body = re.sub(rb"comment-\d+", b"comment-N", page.content)
            body = re.sub(rb"/comments/\d+/", b"/comments/N/", body)  # its permalink, edit link
            body = re.sub(rb"Comment \d+ by", b"Comment N by", body)  # its date link's name
            body = re.sub(rb'value="[^"]*"', b'value=""', body)  # the stamp
            body = re.sub(rb"<time[^>]*>[^<]*</time>", b"<time>", body)  # to the second
            return (
                response.status_code,
                re.sub(r"comment-\d+", "comment-N", response["Location"]),
                sorted(response.headers),
                sorted(response.cookies),
                page.status_code,
                sorted(page.headers),
                body.replace(address.encode(), b"ADDRESS"),
            )

        answers = [
            answer(address, n)
            for n, address in enumerate(
                ["known@example.org", "waiting@example.org", limited.email, "new@example.org"]
            )
        ]
        assert all(other == answers[0] for other in answers[1:])
        sent = Delivery.objects.filter(kind=Delivery.Kind.CONFIRMATION)
        # Known from no browser of this test: a wish needs its owner's yes, as for the others.
        assert sent.exclude(status=Delivery.Status.CANCELLED).count() == 4


# Attacked with look-alike letters: U+017F long s, the Kelvin sign, dotted and dotless i.
LOOK_ALIKES = [
    ("\u017fam@example.org", "sam@example.org"),
    ("\u212aate@example.org", "kate@example.org"),
    ("\u0131van@example.org", "ivan@example.org"),
    ("\u0130van@example.org", "ivan@example.org"),
    ("sam@\u212aexample.org", "sam@kexample.org"),
]


@pytest.mark.parametrize(("look_alike", "victim"), LOOK_ALIKES)
def test_a_look_alike_address_is_refused_and_takes_nothing_over(
    seed_article, comment_data, mailoutbox, look_alike, victim, django_capture_on_commit_callbacks
):
    """
    Typed first or after the owner, a look-alike of a reader's address is refused at the
    form with a sentence beside the field: it stores nothing and mails nobody.
    """
    for victim_first in [True, False]:
        Mailbox.objects.all().delete()
        mailoutbox.clear()
        order = [look_alike, victim] if not victim_first else [victim, look_alike]
        for address in order:
            with django_capture_on_commit_callbacks(execute=True):
                response = post_as(
                    reader(),
                    seed_article,
                    {**comment_data, "author_email": address, "notify_replies": "on"},
                )
            if address == look_alike:
                assert response.status_code == 400
                error = BeautifulSoup(response.content, "html.parser").select_one(
                    "#id_author_email_error"
                )
                assert "We cannot send email to this address as it is written" in error.text
            else:
                assert response.status_code == 302
        [mailbox] = Mailbox.objects.all()
        assert mailbox.email == victim
        assert [message.to for message in mailoutbox] == [[victim]]
    assert {c.author_email for c in Comment.objects.all()} == {victim}


# Attacked: counting one's own emails, quota or database work to learn about another address.

VICTIM = "victim@example.org"


def victim_in(state: str) -> None:
    """The victim's address as the site may know it, before the attacker types it."""
    now = timezone.now()
    long_ago = now - timedelta(days=3)
    match state:
        case "unknown":
            return
        case "asked a moment ago":
            Mailbox.objects.create(email=VICTIM, confirmation_sent_at=now, confirmation_nonce="n")
        case "asked long ago":
            Mailbox.objects.create(email=VICTIM, confirmation_sent_at=long_ago)
        case "confirmed":
            mailbox = confirmed_mailbox(VICTIM, "v" * 64)
            Mailbox.objects.filter(pk=mailbox.pk).update(confirmation_sent_at=long_ago)
        case "confirmed and asked a moment ago":
            mailbox = confirmed_mailbox(VICTIM, "v" * 64)
            Mailbox.objects.filter(pk=mailbox.pk).update(confirmation_sent_at=now)


VICTIM_STATES = [
    "unknown",
    "asked a moment ago",
    "asked long ago",
    "confirmed",
    "confirmed and asked a moment ago",
]


@pytest.mark.parametrize("state", VICTIM_STATES)
def test_the_confirmation_quota_tells_nothing_of_another_address(send, mailoutbox, state):
    """
    The review's attack: post as the victim, then under five +tag addresses of one's own,
    and count the confirmation emails received. Four, whatever the victim's address is.
    """
    victim_in(state)
    attacker = reader()
    send(attacker, author_email=VICTIM, notify_replies="on", body="As the victim.")
    for n in range(5):
        send(attacker, author_email=f"eve+{n}@evil.example", notify_replies="on", body=f"No {n}.")
    own = [m for m in mailoutbox if m.to[0].endswith("@evil.example")]
    assert len(own) == 4


def test_posting_a_wish_does_the_same_work_whatever_the_address(
    seed_article, comment_data, settings, django_capture_on_commit_callbacks
):
    """
    The attacker's post with a wish runs the same SQL statements, in the same order, for
    each state of the victim's address (the worker sends later, out of the request).
    """
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    reset_task_backends()
    ModerationSettings.load()  # Made on the first comment ever, whoever posts it.
    shapes = {}
    for state in VICTIM_STATES:
        Mailbox.objects.all().delete()
        Comment.objects.all().delete()
        caches[settings.COMMENTS_RATE_LIMIT_CACHE].clear()
        # Each state starts as cold as the others: the page's kept fragments
        # (comments/section/fragments.py) depend on the public discussion, not on any address.
        caches["template_fragments"].clear()
        victim_in(state)
        attacker = reader()
        data = {
            **comment_data,
            "author_email": VICTIM,
            "notify_article": "on",
            "notify_replies": "on",
        }
        data["issued"] = fresh_stamp(attacker)
        url = reverse("comments:post", args=[seed_article.slug])
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = attacker.post(url, data)
        assert response.status_code == 302
        shapes[state] = sql_shapes(queries.captured_queries)
    for state in VICTIM_STATES[1:]:
        assert shapes[state] == shapes["unknown"], "\n".join(
            difflib.unified_diff(shapes["unknown"], shapes[state], lineterm="")
        )


class TestNobodyUsesAnothersConsent:
    """The review's second attack: typing a confirmed reader's address from another browser."""

    @pytest.fixture
    def victim(self, send, mailoutbox):
        """A reader who asked for email from their own browser and confirmed from it."""
        browser = reader()
        send(browser, author_email=VICTIM, notify_replies="on", body="The victim's own.")
        [confirmation] = to(VICTIM, mailoutbox)
        follow_confirmation(browser, confirmation)
        # Days ago: the next request for their yes may be mailed.
        Mailbox.objects.update(confirmation_sent_at=timezone.now() - timedelta(days=3))
        mailoutbox.clear()
        return browser

    def test_wishes_typed_elsewhere_wait_for_the_owner(
        self, victim, send, seed_article, mailoutbox, django_capture_on_commit_callbacks
    ):
        """No new comments on the article reach the victim: one email asks them first."""
        send(reader(), author_email=VICTIM, notify_article="on", body="The attacker's.")
        [asking] = to(VICTIM, mailoutbox)
        assert asking.subject == "[Relief Notes] Please confirm these emails"
        assert f"new comments on “{seed_article.title}”" in asking.body
        assert "The attacker's." not in asking.body
        mailoutbox.clear()
        other = CommentFactory(article=seed_article, status=Comment.Status.PENDING)
        approve(other, capture=django_capture_on_commit_callbacks)
        assert to(VICTIM, mailoutbox) == []
        assert not Subscription.objects.in_force().filter(kind=Subscription.Kind.ARTICLE)

    def test_the_owner_saying_yes_puts_the_wish_in_force(
        self, victim, send, seed_article, mailoutbox, django_capture_on_commit_callbacks
    ):
        send(reader(), author_email=VICTIM, notify_article="on", body="Typed elsewhere.")
        [asking] = to(VICTIM, mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            follow_confirmation(victim, asking)
        other = CommentFactory(article=seed_article, status=Comment.Status.PENDING)
        approve(other, capture=django_capture_on_commit_callbacks)
        assert to(VICTIM, mailoutbox)[-1].subject == (
            f"[Relief Notes] New comment on “{seed_article.title}”"
        )

    def test_the_attackers_text_is_never_mailed_as_the_victims_comment(
        self, victim, send, mailoutbox, django_capture_on_commit_callbacks
    ):
        """
        "Your comment is published" with the attacker's words: never, even once the victim,
        asked by email, says yes from their own browser.
        """
        words = "Claim your prize at https://evil.example/ now"
        send(reader(), author_email=VICTIM, notify_on_approval="on", body=words)
        [asking] = to(VICTIM, mailoutbox)
        assert words not in asking.body
        with django_capture_on_commit_callbacks(execute=True):
            follow_confirmation(victim, asking)
        approve(Comment.objects.get(body=words), capture=django_capture_on_commit_callbacks)
        assert all(words not in message.body for message in to(VICTIM, mailoutbox))
        assert [m.subject for m in to(VICTIM, mailoutbox)] == [asking.subject]

    def test_the_victims_own_comments_are_announced_to_them(
        self, victim, send, mailoutbox, django_capture_on_commit_callbacks
    ):
        """From the browser they confirmed from: asked nothing, told when it is published."""
        send(victim, author_email=VICTIM, notify_on_approval="on", body="My second comment.")
        assert to(VICTIM, mailoutbox) == []
        approve(
            Comment.objects.get(body="My second comment."),
            capture=django_capture_on_commit_callbacks,
        )
        [told] = to(VICTIM, mailoutbox)
        assert "My second comment." in told.body
