"""
Webmentions sent: an article published with links tells each linked page's endpoint, found
as the W3C spec says (webmention.rocks' discovery cases, served by real servers on loopback).
"""

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from blog.models import Article
from lib.worker import worker_round
from mentions.models import Outgoing
from tests.conftest import SITE_URL
from tests.factories import ArticleFactory
from tests.mentions.conftest import Page

pytestmark = pytest.mark.django_db

HTML = {"Content-Type": "text/html; charset=utf-8"}


def html(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html><head><title>Post</title>{head}</head><body>{body}</body></html>"


# Each case: the target's headers and page, and the path its real endpoint listens on.
# webmention.rocks numbers them; "/error" paths are the wrong endpoints a sender must skip.
DISCOVERY = {
    "1 Link header, unquoted rel, relative URL": (
        {"Link": "</t/endpoint>; rel=webmention"},
        html(),
        "/t/endpoint",
    ),
    "2 Link header, unquoted rel, absolute URL": (
        {"Link": "<{origin}/t/endpoint>; rel=webmention"},
        html(),
        "/t/endpoint",
    ),
    "3 <link>, relative URL": (
        {},
        html('<link rel="webmention" href="/t/endpoint">'),
        "/t/endpoint",
    ),
    "4 <link>, absolute URL": (
        {},
        html('<link rel="webmention" href="{origin}/t/endpoint">'),
        "/t/endpoint",
    ),
    "5 <a>, relative URL": (
        {},
        html(body='<a rel="webmention" href="/t/endpoint">wm</a>'),
        "/t/endpoint",
    ),
    "6 <a>, absolute URL": (
        {},
        html(body='<a rel="webmention" href="{origin}/t/endpoint">wm</a>'),
        "/t/endpoint",
    ),
    "7 Link header with strange casing": (
        {"LinK": '</t/endpoint>; REL="webmention"'},
        html(),
        "/t/endpoint",
    ),
    "8 Link header, quoted rel": (
        {"Link": '</t/endpoint>; rel="webmention"'},
        html(),
        "/t/endpoint",
    ),
    "9 Multiple rel values on a <link>": (
        {},
        html('<link rel="webmention somethingelse" href="/t/endpoint">'),
        "/t/endpoint",
    ),
    "10 Multiple rel values on a Link header": (
        {"Link": '</t/endpoint>; rel="webmention somethingelse"'},
        html(),
        "/t/endpoint",
    ),
    "11 Link header, <link> and <a>: the header wins": (
        {"Link": "</t/endpoint>; rel=webmention"},
        html('<link rel="webmention" href="/error">', '<a rel="webmention" href="/error">x</a>'),
        "/t/endpoint",
    ),
    "12 rel=not-webmention is not webmention": (
        {},
        html('<link rel="not-webmention" href="/error"><link rel="webmention" href="/t/endpoint">'),
        "/t/endpoint",
    ),
    "13 An endpoint in an HTML comment is no endpoint": (
        {},
        html(
            '<!-- <link rel="webmention" href="/error"> -->'
            '<link rel="webmention" href="/t/endpoint">'
        ),
        "/t/endpoint",
    ),
    "14 An endpoint in escaped HTML is no endpoint": (
        {},
        html(
            body='<code>&lt;a rel="webmention" href="/error"&gt;&lt;/a&gt;</code>'
            '<a rel="webmention" href="/t/endpoint">wm</a>'
        ),
        "/t/endpoint",
    ),
    "15 An empty href is the page itself": ({}, html('<link rel="webmention" href="">'), "/t/page"),
    "16 <a> before <link>: the first in the document wins": (
        {},
        html(
            body='<a rel="webmention" href="/t/endpoint">x</a><link rel="webmention" href="/error">'
        ),
        "/t/endpoint",
    ),
    "17 <link> before <a>: the first in the document wins": (
        {},
        html(
            '<link rel="webmention" href="/t/endpoint">', '<a rel="webmention" href="/error">x</a>'
        ),
        "/t/endpoint",
    ),
    "18 Multiple Link headers": (
        {"Link": ['</error>; rel="other"', '</t/endpoint>; rel="webmention"']},
        html(),
        "/t/endpoint",
    ),
    "19 One Link header with several values": (
        {"Link": '</error>; rel="other", </t/endpoint>; rel="webmention"'},
        html(),
        "/t/endpoint",
    ),
    "20 A <link> without href is skipped": (
        {},
        html('<link rel="webmention">', '<a rel="webmention" href="/t/endpoint">x</a>'),
        "/t/endpoint",
    ),
    "21 The endpoint's query string is kept": (
        {"Link": "</t/endpoint?version=1>; rel=webmention"},
        html(),
        "/t/endpoint?version=1",
    ),
    "22 An endpoint relative to the page's path": (
        {"Link": "<page/endpoint>; rel=webmention"},
        html(),
        "/t/page/endpoint",
    ),
}


def publish(capture, body: str, **fields) -> Article:
    with capture(execute=True):
        return ArticleFactory(body=body, **fields)


@pytest.fixture(autouse=True)
def _site(site_url):
    """The site at its public address, which the article's source URL names."""


@pytest.mark.parametrize("case", DISCOVERY, ids=[name.split(" ")[0] for name in DISCOVERY])
def test_the_endpoint_is_discovered_as_the_spec_says(
    case, other_blog, django_capture_on_commit_callbacks
):
    """The one POST goes to the real endpoint, with the article as source and the link as target."""
    headers, page, endpoint = DISCOVERY[case]
    other_blog.pages["/t/page"] = Page(body=page, headers={**HTML, **headers})
    other_blog.pages["/error"] = Page(500, b"wrong endpoint")
    other_blog.pages["*"] = Page(202, b"Accepted", {"Content-Type": "text/plain"})
    target = other_blog.url("/t/page")
    article = publish(django_capture_on_commit_callbacks, f"I read [this]({target}).")

    (post,) = other_blog.posts()
    assert post.path == endpoint
    assert post.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(post.body.decode()) == {"source": [article.get_full_url()], "target": [target]}
    assert Outgoing.objects.get().status == "sent"


def test_a_target_that_redirects_has_its_endpoint_resolved_from_where_it_ends(
    other_blog, django_capture_on_commit_callbacks
):
    """webmention.rocks 23: relative to the page after the redirect; the target stays as linked."""
    other_blog.pages["/23/page"] = Page(302, b"", {"Location": "/23/page/final"})
    other_blog.pages["/23/page/final"] = Page(
        body=html(), headers={**HTML, "Link": "<wm>; rel=webmention"}
    )
    article = publish(django_capture_on_commit_callbacks, f"[x]({other_blog.url('/23/page')})")
    (post,) = other_blog.posts()
    assert post.path == "/23/page/wm"
    assert parse_qs(post.body.decode())["target"] == [other_blog.url("/23/page")]
    assert parse_qs(post.body.decode())["source"] == [article.get_full_url()]


def test_a_page_without_an_endpoint_is_not_needed_any_more(
    other_blog, django_capture_on_commit_callbacks
):
    """Fetched once, nothing posted, and the outbox says why."""
    other_blog.pages["/plain"] = Page(body=html(body="<p>no endpoint here</p>"))
    publish(django_capture_on_commit_callbacks, f"[x]({other_blog.url('/plain')})")
    assert other_blog.posts() == []
    row = Outgoing.objects.get()
    assert (row.status, row.last_error) == ("cancelled", "The page has no Webmention endpoint.")


def test_only_links_to_other_sites_are_sent_each_once(
    other_blog, django_capture_on_commit_callbacks
):
    """Links to this site, mailto: and a repeated link: one Webmention, to the other site."""
    other_blog.pages["*"] = Page(body=html('<link rel="webmention" href="/wm">'))
    target = other_blog.url("/post")
    publish(
        django_capture_on_commit_callbacks,
        f"[a]({target}) [b]({target}) [ours]({SITE_URL}/articles/x/) [mail](mailto:a@b.example)",
    )
    assert [post.path for post in other_blog.posts()] == ["/wm"]
    assert list(Outgoing.objects.values_list("target", flat=True)) == [target]


def test_a_draft_sends_nothing(other_blog, django_capture_on_commit_callbacks):
    """Nothing leaves the site about an article nobody may read."""
    other_blog.pages["*"] = Page(body=html('<link rel="webmention" href="/wm">'))
    publish(django_capture_on_commit_callbacks, f"[x]({other_blog.url('/p')})", status="draft")
    assert other_blog.seen == [] and not Outgoing.objects.exists()


def test_saving_unchanged_sends_nothing_and_an_edit_tells_old_and_new_links(
    other_blog, django_capture_on_commit_callbacks
):
    """A re-save is silent; an edit tells the new link and the one taken out (it re-verifies)."""
    other_blog.pages["*"] = Page(body=html('<link rel="webmention" href="/wm">'))
    first, second = other_blog.url("/first"), other_blog.url("/second")
    article = publish(django_capture_on_commit_callbacks, f"[x]({first})")
    assert len(other_blog.posts()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    assert len(other_blog.posts()) == 1
    article.body = f"[y]({second})"
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    targets = sorted(parse_qs(post.body.decode())["target"][0] for post in other_blog.posts()[1:])
    assert targets == [first, second]


def test_unpublishing_tells_the_pages_it_linked_to(other_blog, django_capture_on_commit_callbacks):
    """Withdrawn: each receiver is told again, finds a 404 and can drop the mention."""
    other_blog.pages["*"] = Page(body=html('<link rel="webmention" href="/wm">'))
    article = publish(django_capture_on_commit_callbacks, f"[x]({other_blog.url('/p')})")
    article.status = Article.Status.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    assert len(other_blog.posts()) == 2


def run_worker_round(capture) -> None:
    with capture(execute=True):
        worker_round.send(sender=None)


def test_an_article_dated_in_the_future_is_announced_when_it_comes_out(
    other_blog, django_capture_on_commit_callbacks
):
    """Nothing goes before its time; the worker's round sends it once it is out."""
    other_blog.pages["*"] = Page(body=html('<link rel="webmention" href="/wm">'))
    article = publish(
        django_capture_on_commit_callbacks,
        f"[x]({other_blog.url('/p')})",
        published_at=timezone.now() + timedelta(hours=1),
    )
    run_worker_round(django_capture_on_commit_callbacks)
    assert other_blog.seen == []
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    Outgoing.objects.update(due_at=timezone.now())
    run_worker_round(django_capture_on_commit_callbacks)
    assert len(other_blog.posts()) == 1


def test_an_endpoint_down_is_tried_again_with_backoff(
    other_blog, django_capture_on_commit_callbacks
):
    """A 503 from the endpoint: queued again later, sent when it is back."""
    other_blog.pages["/p"] = Page(body=html('<link rel="webmention" href="/wm">'))
    other_blog.pages["/wm"] = Page(503, b"busy")
    publish(django_capture_on_commit_callbacks, f"[x]({other_blog.url('/p')})")
    row = Outgoing.objects.get()
    assert (row.status, row.attempts, row.answer) == ("queued", 1, 503)
    assert row.due_at > timezone.now()
    other_blog.pages["/wm"] = Page(202, b"Accepted")
    Outgoing.objects.update(due_at=timezone.now())
    run_worker_round(django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.answer) == ("sent", 2, 202)


def test_an_endpoint_that_refuses_fails_at_once(other_blog, django_capture_on_commit_callbacks):
    """A 400 will not change by asking again: failed, with the answer for staff."""
    other_blog.pages["/p"] = Page(body=html('<link rel="webmention" href="/wm">'))
    other_blog.pages["/wm"] = Page(400, b"no")
    publish(django_capture_on_commit_callbacks, f"[x]({other_blog.url('/p')})")
    row = Outgoing.objects.get()
    assert (row.status, row.last_error) == ("failed", "The endpoint answered 400.")


def test_an_endpoint_on_a_private_address_is_never_posted_to(
    other_blog, inside, django_capture_on_commit_callbacks
):
    """A public page naming an endpoint inside this machine: refused, that server untouched."""
    other_blog.pages["/p"] = Page(body=html(f'<link rel="webmention" href="{inside.url("/wm")}">'))
    publish(django_capture_on_commit_callbacks, f"[x]({other_blog.url('/p')})")
    assert inside.seen == []
    row = Outgoing.objects.get()
    assert row.status == "failed" and "private or local address" in row.last_error


def test_a_broken_endpoint_href_is_skipped_for_the_next_one(
    other_blog, django_capture_on_commit_callbacks
):
    """A <link rel=webmention href="http://["> cannot be read: the next endpoint is used."""
    other_blog.pages["/p"] = Page(
        body=html('<link rel="webmention" href="http://["><link rel="webmention" href="/wm">')
    )
    other_blog.pages["/wm"] = Page(202, b"Accepted")
    publish(django_capture_on_commit_callbacks, f"[x]({other_blog.url('/p')}) [y](http://[)")
    assert [post.path for post in other_blog.posts()] == ["/wm"]
