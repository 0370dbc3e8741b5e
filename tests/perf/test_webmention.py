"""
Webmention through `make serve`'s real stack: nginx's cached article keeps advertising the
endpoint, and a real sender's mention reaches the endpoint through nginx and is verified by
the stack's own worker against a real source page on loopback.
"""

import time
from urllib.parse import urlencode

import pytest

from tests.conftest import SEED_SLUG
from tests.mentions.conftest import Page, Site
from tests.perf.server import query, seeded_stack

ARTICLE = f"/articles/{SEED_SLUG}/"
# The stack's DJANGO_SITE_URL is left at its default: the address mentions must name.
SITE_URL = "http://127.0.0.1:8000"
DRAFT = """
from blog.models import Article
Article.objects.create(title="Draft", slug="a-draft", body="Not yet.", status="draft")
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory, static_root):
    """The stack, allowed to fetch loopback sources (a local trial) and quick to retry."""
    with seeded_stack(
        tmp_path_factory.mktemp("webmention"),
        static_root,
        DRAFT,
        DJANGO_OUTBOUND_ALLOW_PRIVATE="true",
        DJANGO_EMAIL_LEASE_SECONDS="2",
    ) as server:
        yield server


@pytest.fixture
def source_site():
    site = Site("127.0.0.1")
    yield site
    site.close()


def send(stack, source: str, target: str):
    body = urlencode({"source": source, "target": target})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return stack.request("POST", "/webmention/", headers, body)


def test_the_cached_article_keeps_its_webmention_link_header(stack):
    """The page nginx serves from its cache carries the same Link header as the app's."""
    for _ in range(50):
        response, body = stack.request("GET", ARTICLE)
        if response.getheader("X-Cache") == "HIT":
            break
        time.sleep(0.05)
    assert response.getheader("X-Cache") == "HIT"
    assert response.getheader("Link") == f'<{SITE_URL}/webmention/>; rel="webmention"'
    assert f'<link rel="webmention" href="{SITE_URL}/webmention/">' in body.decode()


def test_a_real_mention_through_nginx_is_verified_by_the_worker_and_held(stack, source_site):
    """202 through nginx; the worker fetches the source and a held mention appears."""
    target = f"{SITE_URL}{ARTICLE}"
    source_site.pages["/post"] = Page(
        body=f"""<html><head><title>Notes</title></head><body><article class="h-entry">
        <span class="p-author h-card">Ines Okoro</span><div class="e-content">
        Read <a href="{target}">this</a>.</div></article></body></html>"""
    )
    response, body = send(stack, source_site.url("/post"), target)
    assert response.status == 202, body
    deadline = time.monotonic() + 30
    rows = []
    while time.monotonic() < deadline and not rows:
        rows = query(
            stack.database_url,
            "SELECT kind, status, author_name FROM wordpress_mention WHERE kind = 'webmention'",
        )
        time.sleep(0.2)
    assert rows == [("webmention", "pending", "Ines Okoro")]
    assert [request.method for request in source_site.seen] == ["GET"]


@pytest.mark.parametrize(
    ("target", "status"),
    [(f"{SITE_URL}/articles/a-draft/", 400), (f"{SITE_URL}/articles/nope/", 400)],
)
def test_refusals_answer_through_nginx_with_a_sentence(stack, source_site, target, status):
    """A draft or a missing article: 400 and its sentence, nothing fetched."""
    response, body = send(stack, source_site.url("/post"), target)
    assert response.status == status
    assert b"not a published article of this site" in body
    assert source_site.seen == []
