"""
Webmentions received: the endpoint's answers, the verification against a real source page on
loopback, the held item, and what a repeated mention does when the source changed or went.
"""

import socket
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from comments.mail.delivery import deliver
from comments.models import Comment, Delivery
from comments.moderation import became_held
from lib.worker import worker_round
from mentions.models import Mention, Received
from tests.conftest import PUBLIC, reset_task_backends
from tests.factories import ArticleFactory
from tests.mentions.conftest import Page

pytestmark = pytest.mark.django_db

ENDPOINT = reverse("mentions:webmention")


def h_entry(target: str, author: str = "Maya Lin", text: str = "Magnesium did it for me.") -> str:
    return f"""<!doctype html><html><head><title>Maya's notes</title></head><body>
    <article class="h-entry">
      <h1 class="p-name">Night cramps, a month later</h1>
      <a class="p-author h-card" href="/about">{author}</a>
      <div class="e-content"><p>{text} I read <a href="{target}">this article</a>.</p></div>
    </article></body></html>"""


@pytest.fixture
def target(site_url, seed_article) -> str:
    return seed_article.get_full_url()


def mention(client, source: str, target: str, capture) -> object:
    with capture(execute=True):
        return client.post(ENDPOINT, {"source": source, "target": target})


def test_the_article_advertises_its_endpoint_in_its_header_and_its_head(client, target):
    """Link: <…/webmention/>; rel="webmention", and the same in a <link> element."""
    response = client.get(target.removeprefix("https://blog.example.com"))
    endpoint = f"https://blog.example.com{ENDPOINT}"
    assert response["Link"] == f'<{endpoint}>; rel="webmention"'
    link = BeautifulSoup(response.content, "html.parser").find("link", rel="webmention")
    assert link["href"] == endpoint


def test_a_mention_is_accepted_then_verified_and_held_with_its_h_entry(
    client, other_blog, target, seed_article, django_capture_on_commit_callbacks
):
    """202 at once; the source fetched, its h-entry read; held, not on the page until approved."""
    other_blog.pages["/notes/cramps"] = Page(body=h_entry(target))
    source = other_blog.url("/notes/cramps")
    response = mention(client, source, target, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert "will be fetched and checked" in response.content.decode()

    held = Mention.objects.get()
    assert (held.kind, held.status, held.url) == ("webmention", "pending", source)
    assert held.title == "Night cramps, a month later"
    assert held.author_name == "Maya Lin"
    assert held.excerpt == "Magnesium did it for me. I read this article."
    assert Received.objects.count() == 0  # The queue row goes once verified.
    page = client.get(seed_article.get_absolute_url()).content.decode()
    assert "Night cramps" not in page

    held.status = Comment.Status.APPROVED
    held.save()
    shown = BeautifulSoup(client.get(seed_article.get_absolute_url()).content, "html.parser")
    item = shown.select_one(".mentions .mention")
    assert "Maya Lin" in item.get_text() and "Magnesium did it for me." in item.get_text()
    assert item.a["href"] == source and item.a["rel"] == ["nofollow", "ugc", "noopener"]


def test_the_source_is_fetched_as_the_site_without_cookies(
    client, other_blog, target, django_capture_on_commit_callbacks
):
    """One GET to the source, naming the site in its User-Agent, no cookie."""
    other_blog.pages["/p"] = Page(body=h_entry(target))
    mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    (request,) = other_blog.seen
    assert request.method == "GET" and "Cookie" not in request.headers
    assert "blog.example.com" in request.headers["User-Agent"]


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        ({}, "The source must be an http or https address."),
        ({"source": "SOURCE"}, "The target must be an http or https address."),
        ({"source": "ftp://other.example/", "target": "TARGET"}, "The source must be an http"),
        ({"source": "javascript:alert(1)", "target": "TARGET"}, "The source must be an http"),
        ({"source": "SOURCE", "target": "SOURCE"}, "The source and the target are the same page."),
        ({"source": "TARGET#c1", "target": "TARGET"}, "The source and the target are the same"),
        ({"source": "SOURCE", "target": "https://elsewhere.example/a/"}, "not a published article"),
        ({"source": "SOURCE", "target": "https://blog.example.com/"}, "not a published article"),
        ({"source": "SOURCE", "target": "https://blog.example.com/articles/nope/"}, "not a pub"),
        ({"source": "SOURCE", "target": "http://blog.example.com/ARTICLE"}, "not a published"),
        ({"source": "SOURCE", "target": "TARGET" + "x" * 600}, "The target must be an http"),
    ],
)
def test_a_mention_the_site_cannot_take_is_refused_at_once_and_nothing_is_fetched(
    client, other_blog, target, seed_article, data, sentence, django_capture_on_commit_callbacks
):
    """400 with a sentence, no row, no request to anyone."""
    path = seed_article.get_absolute_url()
    swap = {"SOURCE": other_blog.url("/p"), "TARGET": target, "/ARTICLE": path}

    def filled(value: str) -> str:
        for name, real in swap.items():
            value = value.replace(name, real)
        return value

    response = (
        mention(
            client,
            filled(data.get("source", "")),
            filled(data.get("target", "")),
            django_capture_on_commit_callbacks,
        )
        if data
        else client.post(ENDPOINT, {})
    )
    assert response.status_code == 400
    assert sentence in response.content.decode()
    assert not Mention.objects.exists() and not Received.objects.exists()
    assert other_blog.seen == []


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_a_draft_or_scheduled_article_is_no_target(
    client, other_blog, site_url, state, django_capture_on_commit_callbacks
):
    """The same 400 as an article that does not exist: a mention tells nothing of drafts."""
    article = (
        ArticleFactory(status="draft")
        if state == "draft"
        else ArticleFactory(published_at=timezone.now() + timedelta(days=1))
    )
    other_blog.pages["/p"] = Page(body=h_entry(article.get_full_url()))
    response = mention(
        client, other_blog.url("/p"), article.get_full_url(), django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert "not a published article of this site" in response.content.decode()
    assert other_blog.seen == [] and not Received.objects.exists()


def test_a_source_on_a_private_address_is_refused_at_once(
    client, inside, public_loopback, target, django_capture_on_commit_callbacks
):
    """A source on this machine: 400, and the private server is never asked."""
    response = mention(client, inside.url("/admin/"), target, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "private or local address" in response.content.decode()
    assert inside.seen == [] and not Received.objects.exists()


def test_the_endpoint_takes_posts_only(client, db):
    """A GET is a 405, never a 500."""
    assert client.get(ENDPOINT).status_code == 405


def test_a_source_that_does_not_link_stores_nothing(
    client, other_blog, target, django_capture_on_commit_callbacks
):
    """Accepted (the spec's asynchronous 202), fetched, found without the link: nothing kept."""
    other_blog.pages["/p"] = Page(body=h_entry("https://blog.example.com/articles/another/"))
    response = mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert len(other_blog.seen) == 1
    assert not Mention.objects.exists() and not Received.objects.exists()


def test_a_source_that_redirects_to_a_private_address_stores_nothing(
    client, other_blog, inside, target, django_capture_on_commit_callbacks
):
    """The redirect is checked like the first address: the server inside is never asked."""
    other_blog.pages["/p"] = Page(302, b"", {"Location": inside.url("/latest/meta-data/")})
    inside.pages["*"] = Page(body=h_entry(target))
    response = mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert inside.seen == []
    assert not Mention.objects.exists() and not Received.objects.exists()


def test_a_50_megabyte_source_is_not_read_and_stores_nothing(
    client, other_blog, target, django_capture_on_commit_callbacks
):
    """No Content-Length, 50 MB streamed: the site hangs up after its cap and keeps nothing."""
    sent = []

    def fifty_megabytes():
        yield h_entry(target).encode()
        for _ in range(50 * 16):
            sent.append(1)
            yield b"x" * 65536

    other_blog.pages["/big"] = Page(chunks=fifty_megabytes)
    response = mention(client, other_blog.url("/big"), target, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert not Mention.objects.exists() and not Received.objects.exists()
    assert len(sent) < 50 * 16  # The rest was never asked for.


def test_marked_up_words_from_the_source_are_shown_as_text(
    client, other_blog, target, seed_article, django_capture_on_commit_callbacks
):
    """An author named <script>…: escaped on the page, like every reader's text."""
    evil = "<img src=x onerror=alert(1)>Eve"
    other_blog.pages["/p"] = Page(
        body=h_entry(target, author="&lt;script&gt;alert(1)&lt;/script&gt;", text=evil)
    )
    mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    Mention.objects.update(status=Comment.Status.APPROVED)
    page = client.get(seed_article.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page and "onerror" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# Re-verification: the same source mentions the article again


@pytest.fixture
def approved(client, other_blog, target, django_capture_on_commit_callbacks):
    """A verified Webmention a moderator approved; the source page is other_blog's /p."""
    other_blog.pages["/p"] = Page(body=h_entry(target))
    mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    Mention.objects.update(status=Comment.Status.APPROVED)
    return Mention.objects.get()


def test_an_updated_source_updates_its_mention_and_sends_it_back_to_the_queue(
    client, other_blog, target, approved, seed_article, django_capture_on_commit_callbacks
):
    """New words are read by a moderator before readers see them, as an author's edit is."""
    other_blog.pages["/p"] = Page(body=h_entry(target, text="Actually it was potassium."))
    response = mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    updated = Mention.objects.get()
    assert updated.pk == approved.pk and updated.status == "pending"
    assert updated.excerpt.startswith("Actually it was potassium.")
    assert "Mentioned elsewhere" not in client.get(seed_article.get_absolute_url()).content.decode()


def test_an_unchanged_source_stays_published(
    client, other_blog, target, approved, django_capture_on_commit_callbacks
):
    """Sent again with nothing new: still approved, verified again."""
    mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    again = Mention.objects.get()
    assert again.status == "approved" and again.verified_at > approved.verified_at


@pytest.mark.parametrize("gone", [Page(410, b"Gone"), Page(404, b"Not here"), Page(body="<p>hi")])
def test_a_source_deleted_or_no_longer_linking_withdraws_its_mention(
    client, other_blog, target, approved, seed_article, gone, django_capture_on_commit_callbacks
):
    """410, 404 or the link taken out: the mention leaves the page and the database."""
    other_blog.pages["/p"] = gone
    response = mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert not Mention.objects.exists()
    assert "Mentioned elsewhere" not in client.get(seed_article.get_absolute_url()).content.decode()


def test_a_mention_marked_as_spam_stays_so_whatever_the_source_does(
    client, other_blog, target, approved, django_capture_on_commit_callbacks
):
    """A moderator's decision against it stands: no update brings it back, no 410 erases it."""
    Mention.objects.update(status=Comment.Status.SPAM)
    other_blog.pages["/p"] = Page(410, b"Gone")
    mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    assert Mention.objects.get().status == "spam"


# Durable: retried, deduplicated, taken up again after a crash


def run_worker_round(capture) -> None:
    """What the email worker does every few seconds (manage.py email_worker)."""
    with capture(execute=True):
        worker_round.send(sender=None)


def test_a_source_down_for_a_while_is_tried_again_later(
    client, other_blog, target, settings, django_capture_on_commit_callbacks
):
    """A 503 keeps the mention waiting with backoff; the worker's round verifies it once due."""
    other_blog.pages["/p"] = Page(503, b"Busy")
    mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    waiting = Received.objects.get()
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert "503" in waiting.last_error and waiting.due_at > timezone.now()
    assert not Mention.objects.exists()

    other_blog.pages["/p"] = Page(body=h_entry(target))
    run_worker_round(django_capture_on_commit_callbacks)
    assert not Mention.objects.exists()  # Not due yet.
    Received.objects.update(due_at=timezone.now())
    run_worker_round(django_capture_on_commit_callbacks)
    assert Mention.objects.get().status == "pending"
    assert not Received.objects.exists()


def test_a_source_down_at_every_attempt_leaves_nothing(
    client, other_blog, target, settings, django_capture_on_commit_callbacks
):
    """After the last attempt the verification is dropped: no row stays behind."""
    settings.WEBMENTION_ATTEMPTS = 2
    other_blog.pages["/p"] = Page(500, b"Broken")
    mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    Received.objects.update(due_at=timezone.now())
    run_worker_round(django_capture_on_commit_callbacks)
    assert len(other_blog.seen) == 2
    assert not Received.objects.exists() and not Mention.objects.exists()


def test_a_mention_sent_again_before_it_was_verified_is_verified_once(
    client, other_blog, target, settings, django_capture_on_commit_callbacks
):
    """Three POSTs while the worker is away: one row, one fetch."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    reset_task_backends()
    other_blog.pages["/p"] = Page(body=h_entry(target))
    for _ in range(3):
        assert (
            mention(
                client, other_blog.url("/p"), target, django_capture_on_commit_callbacks
            ).status_code
            == 202
        )
    assert Received.objects.count() == 1
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    reset_task_backends()
    Received.objects.update(queued_at=None)  # The web process died before its enqueue.
    run_worker_round(django_capture_on_commit_callbacks)
    assert len(other_blog.seen) == 1 and Mention.objects.count() == 1


def test_a_verification_a_killed_worker_left_is_taken_up_again(
    client, other_blog, target, settings, django_capture_on_commit_callbacks
):
    """Claimed, then the worker died: after the lease the round queues it again."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    reset_task_backends()
    other_blog.pages["/p"] = Page(body=h_entry(target))
    mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    long_ago = timezone.now() - timedelta(minutes=10)
    Received.objects.update(status="working", claimed_at=long_ago, attempts=1, queued_at=long_ago)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    reset_task_backends()
    run_worker_round(django_capture_on_commit_callbacks)
    assert Mention.objects.count() == 1 and not Received.objects.exists()


def test_broken_links_on_the_source_page_do_not_stop_its_verification(
    client, other_blog, target, django_capture_on_commit_callbacks
):
    """Hrefs no URL parser can read (an open IPv6 bracket, a bad port) are skipped, not fatal."""
    broken = '<a href="http://[">a</a><a href="http://x:99999/">b</a><img src="https://[::1">'
    other_blog.pages["/p"] = Page(body=broken + h_entry(target))
    mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    assert Mention.objects.get().status == "pending"


def test_a_source_that_cannot_be_reached_is_tried_again(
    client, public_loopback, target, django_capture_on_commit_callbacks
):
    """Nothing listening on its port (a server restarting): kept for a later attempt."""
    with socket.socket() as probe:
        probe.bind((PUBLIC, 0))
        port = probe.getsockname()[1]
    source = f"http://{PUBLIC}:{port}/p"
    assert mention(client, source, target, django_capture_on_commit_callbacks).status_code == 202
    waiting = Received.objects.get()
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert "could not be reached" in waiting.last_error
    assert not Mention.objects.exists()


def test_moderators_are_emailed_of_a_held_mention_as_of_a_held_comment(
    client, other_blog, target, seed_article, moderator, django_capture_on_commit_callbacks
):
    """
    One email per moderator through the outbox: the article, the page and its address,
    a link to decide; the subject names the site's article, never the stranger's words.
    """
    other_blog.pages["/notes/cramps"] = Page(body=h_entry(target))
    source = other_blog.url("/notes/cramps")
    mention(client, source, target, django_capture_on_commit_callbacks)

    held = Mention.objects.get()
    [email] = mail.outbox
    assert email.to == ["mod@example.com"]
    assert email.subject == f"[Relief Notes] Please moderate: “{seed_article.title}”"
    assert "Night cramps, a month later" in email.body and source in email.body
    assert "Maya Lin" in email.body and "Magnesium did it for me." in email.body
    change = reverse("admin:mentions_mention_change", args=[held.pk])
    assert f"https://blog.example.com{change}" in email.body
    assert "Night cramps" not in email.subject and "Maya" not in email.subject

    # Verified again, unchanged and still held: no second email.
    mention(client, source, target, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_a_published_mention_whose_source_changed_is_announced_to_moderators_again(
    client, other_blog, target, approved, moderator, django_capture_on_commit_callbacks
):
    """Back in the queue with new words, later on: the moderators are asked again."""
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    mail.outbox.clear()
    other_blog.pages["/p"] = Page(body=h_entry(target, text="Actually it was potassium."))
    mention(client, other_blog.url("/p"), target, django_capture_on_commit_callbacks)
    [email] = mail.outbox
    assert "Actually it was potassium." in email.body


def test_a_stranger_sending_many_mentions_gets_the_moderators_one_email(
    client, other_blog, target, moderator, django_capture_on_commit_callbacks
):
    """Any number of pages can link to an article: one email, the rest wait in the queue."""
    for number in range(5):
        other_blog.pages[f"/spam/{number}"] = Page(body=h_entry(target, text=f"Buy {number}"))
        mention(
            client, other_blog.url(f"/spam/{number}"), target, django_capture_on_commit_callbacks
        )
    assert Mention.objects.pending().count() == 5
    [email] = mail.outbox
    assert "?status__exact=pending" in email.body  # Where the others wait.


@pytest.mark.parametrize("decision", ["decided", "withdrawn"])
def test_a_mention_decided_or_withdrawn_before_its_email_leaves_is_not_announced(
    seed_article, moderator, decision
):
    """The email is composed when it is sent: nothing goes for what no longer waits."""
    held = Mention.objects.create(
        kind=Mention.Kind.WEBMENTION, article=seed_article, title="A page", url="https://x.example/"
    )
    became_held(held)  # Queued after the commit, which this test never reaches.
    delivery = Delivery.objects.get(kind=Delivery.Kind.HELD)
    if decision == "decided":
        Mention.objects.update(status=Comment.Status.APPROVED)
    else:
        held.delete()
    assert deliver.call(delivery.pk) == "not needed any more"
    assert mail.outbox == []


def test_the_held_mention_email_shows_in_the_deliveries_admin(
    admin_client, seed_article, moderator
):
    """Staff reading the outbox see which mention an email was about."""
    held = Mention.objects.create(
        kind=Mention.Kind.WEBMENTION, article=seed_article, title="A page", url="https://x.example/"
    )
    became_held(held)
    delivery = Delivery.objects.filter(kind=Delivery.Kind.HELD).first()
    response = admin_client.get(reverse("admin:comments_delivery_change", args=[delivery.pk]))
    assert response.status_code == 200
    assert str(held) in response.content.decode()
