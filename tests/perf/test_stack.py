"""
`make serve`'s stack, nginx's cache in front of gunicorn, as readers, authors and attackers meet it.

Each test runs the real stack (deploy/stack.py, through tests/perf/server.py)
on a free loopback port against a temporary database. Only loopback is loaded,
with bounded counts. The one timed promise is the issue's own: a change reaches
every reader within 2 seconds.
"""

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.conf import settings

from tests.conftest import SEED_SLUG
from tests.perf.server import (
    ROOT,
    Browser,
    StackServer,
    free_port,
    manage,
    post_comment,
    production_env,
    production_stack,
    query,
    seeded_stack,
    server_database,
    world_readable_folder,
)

ARTICLE = f"/articles/{SEED_SLUG}/"
FRESH_WITHIN = 2.0
SHARED_PAGES = [ARTICLE, "/", "/feed/", "/feed/atom/", "/comments/feed/", f"{ARTICLE}feed/"]
ADMIN_PASSWORD = "a-long-moderator-password-for-tests"
POISON_ARTICLES = 9


SEED = f"""
from django.contrib.auth.models import User
from django.utils import timezone
from blog.models import Article
User.objects.create_superuser("moderator", "moderator@example.org", "{ADMIN_PASSWORD}")
for number in range({POISON_ARTICLES}):
    Article.objects.create(
        title=f"Stretch number {{number}}", slug=f"stretch-{{number}}", body="Hold it.",
        status="published", published_at=timezone.now() - timezone.timedelta(days=1))
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory, static_root):
    """One stack for the tests that only read and post (the app's access log on, to count)."""
    with seeded_stack(tmp_path_factory.mktemp("stack"), static_root, SEED) as server:
        yield server


def shell(server: StackServer, code: str) -> None:
    """
    Run Python against the stack's database, as an operator's `manage.py shell` would:
    beside the stack, so what it withdraws leaves nginx's cache (README, SERVE_RUN_DIR).
    """
    env = production_env(
        server.database_url,
        server.stack.layout.static_root,
        SERVE_RUN_DIR=str(server.stack.layout.run),
    )
    manage(env, "shell", "-c", code)


def fetch(server: StackServer, path: str, headers: dict | None = None) -> tuple[object, bytes]:
    return server.request("GET", path, headers)


def stored_bytes(server: StackServer) -> bytes:
    """Everything nginx's cache holds on disk, gzip bodies decompressed."""
    everything = []
    for path in server.cached_files():
        data = path.read_bytes()
        everything.append(data)
        _, _, body = data.partition(b"\r\n\r\n")
        if body.startswith(b"\x1f\x8b"):
            everything.append(gzip.decompress(body))
    return b"\n".join(everything)


def wait_until_stored(server: StackServer, path: str) -> bytes:
    """GET until nginx answers from its cache; the page it holds."""
    for _ in range(50):
        response, body = fetch(server, path)
        assert response.status == 200, body[:500]
        if response.getheader("X-Cache") == "HIT":
            return body
        time.sleep(0.05)
    raise AssertionError(f"nginx never stored {path}: {response.getheader('Cache-Control')}")


def admin_login(server: StackServer) -> Browser:
    """A moderator's browser, logged in to the admin through nginx."""
    moderator = Browser()
    response, page = fetch(server, "/admin/login/")
    moderator.remember(response)
    form = f"username=moderator&password={ADMIN_PASSWORD}&next=/admin/"
    response = admin_post(server, moderator, "/admin/login/", page, form)
    assert response.status == 302
    return moderator


def admin_post(server: StackServer, browser: Browser, path: str, page: bytes, form: str):
    """POST a form of an admin ``page`` with its CSRF token, as the browser does."""
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **browser.header()}
    response, answer = server.request("POST", path, headers, f"{form}&csrfmiddlewaretoken={token}")
    assert response.status == 302, answer[:2000]
    browser.remember(response)
    return response


def copy_just_fetched(server: StackServer, path: str) -> None:
    """
    Make nginx's copy of ``path`` one it has just fetched from the app.

    The worst case for freshness: a reader refreshed the page a moment before
    the change. Waiting past the copy's s-maxage and stale-while-revalidate
    (nginx counts whole seconds) makes the next request fetch it anew.
    """
    wait_until_stored(server, path)
    time.sleep(3.5)
    response, _ = fetch(server, path)
    assert response.getheader("X-Cache") in {"EXPIRED", "REVALIDATED", "MISS"}


def comment_id(server: StackServer, body: str) -> int:
    rows = query(server.database_url, f"SELECT id FROM comments_comment WHERE body = '{body}'")
    return rows[0][0]


def assert_every_reader_sees(server: StackServer, path: str, text: str, since: float) -> None:
    """Two readers asking FRESH_WITHIN seconds after ``since`` both see ``text``."""
    time.sleep(max(0.0, since + FRESH_WITHIN - time.monotonic()))
    for reader in ({}, {"Accept-Encoding": "gzip"}):
        response, body = fetch(server, path, reader)
        if response.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        assert text.encode() in body, (reader, response.getheader("X-Cache"))


def test_anonymous_readers_share_one_stored_page_byte_for_byte(stack):
    """Article, home page and feeds: the same bytes for two readers, public, validated, stored."""
    first = Browser()
    second = Browser({"csrftoken": "A" * 32, "comments_trust": "someone-elses-signed-token"})
    for path in SHARED_PAGES:
        response, page = fetch(stack, path, first.header())
        assert response.status == 200, (path, page[:500])
        cache_control = response.getheader("Cache-Control")
        assert "public" in cache_control and "s-maxage=" in cache_control, (path, cache_control)
        assert "stale-if-error=" in cache_control
        assert response.getheader("Set-Cookie") is None
        etag = response.getheader("ETag")
        assert etag, path

        again, same = fetch(stack, path, second.header())
        assert same == page, path
        assert again.getheader("X-Cache") == "HIT", path

        unchanged, empty = fetch(stack, path, {"If-None-Match": etag})
        assert (unchanged.status, empty) == (304, b""), path
    assert len(stack.cached_files()) >= len(SHARED_PAGES)


def test_pages_are_stored_compressed_and_plain(stack):
    """A gzip reader gets the stored gzip form (not compressed anew), others the plain one."""
    plain = wait_until_stored(stack, ARTICLE)
    for _ in range(2):
        response, body = fetch(stack, ARTICLE, {"Accept-Encoding": "gzip, deflate, br"})
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("X-Cache") == "HIT"
    assert "Accept-Encoding" in response.getheader("Vary")
    assert gzip.decompress(body) == plain
    assert len(body) < len(plain) / 2

    refused, body = fetch(stack, ARTICLE, {"Accept-Encoding": "gzip;q=0, identity"})
    assert refused.getheader("Content-Encoding") is None
    assert body == plain


def test_an_approval_reaches_every_reader_within_two_seconds(stack):
    """Held, a comment is not shown; approved in the admin, every reader has it 2 s later."""
    text = "Magnesium before bed ended my night cramps."
    response, _ = post_comment(stack, Browser(), SEED_SLUG, text, "Maya")
    assert response.status == 302
    moderator = admin_login(stack)
    queue, page = fetch(stack, "/admin/comments/comment/", moderator.header())
    assert text.encode() not in fetch(stack, ARTICLE)[1]

    copy_just_fetched(stack, ARTICLE)
    form = f"action=approve&_selected_action={comment_id(stack, text)}&index=0"
    admin_post(stack, moderator, "/admin/comments/comment/", page, form)
    approved = time.monotonic()
    # Staff with a session are never served from the cache.
    response, page = fetch(stack, ARTICLE, moderator.header())
    assert response.getheader("X-Cache") == "BYPASS"
    assert text.encode() in page
    assert_every_reader_sees(stack, ARTICLE, text, approved)
    assert_every_reader_sees(stack, "/comments/feed/", text, approved)


def test_an_article_edit_reaches_every_reader_within_two_seconds(stack):
    """The author fixes a title; 2 s later every reader of the article and the home page has it."""
    path = "/articles/stretch-0/"
    copy_just_fetched(stack, path)
    shell(
        stack,
        "from blog.models import Article\n"
        "article = Article.objects.get(slug='stretch-0')\n"
        "article.title = 'Stretch zero, revised'\n"
        "article.save()",
    )
    edited = time.monotonic()
    assert_every_reader_sees(stack, path, "Stretch zero, revised", edited)
    assert_every_reader_sees(stack, "/", "Stretch zero, revised", edited)


def test_a_pending_author_gets_their_own_page_past_the_cache(stack):
    """Their held comment shows to them only, straight from the app; nginx stores none of it."""
    text = "Held for now: does a warm bath help calf cramps?"
    author = Browser()
    response, _ = post_comment(stack, author, "stretch-1", text, "Ines")
    assert response.status == 302
    assert "comments_pending" in author.cookies
    for encoding in ({}, {"Accept-Encoding": "gzip"}):
        response, page = fetch(stack, "/articles/stretch-1/", {**author.header(), **encoding})
        if response.getheader("Content-Encoding") == "gzip":
            page = gzip.decompress(page)
        assert response.status == 200
        assert text.encode() in page
        assert response.getheader("X-Cache") == "BYPASS"
        assert "private" in response.getheader("Cache-Control")

    other = wait_until_stored(stack, "/articles/stretch-1/")
    assert text.encode() not in other
    assert text.encode() not in stored_bytes(stack)
    assert b"comments_pending" not in stored_bytes(stack)


@pytest.mark.parametrize("cookie", settings.PERSONAL_COOKIES)
@pytest.mark.parametrize("spacing", ["{}=x", "a=1; {}=x", "a=1;{}=x"])
def test_each_personal_cookie_of_django_skips_nginx_cache(stack, cookie, spacing):
    """The cookies Django makes a page private for are the ones nginx passes by; no others."""
    wait_until_stored(stack, "/articles/stretch-1/")
    response, _ = fetch(stack, "/articles/stretch-1/", {"Cookie": spacing.format(cookie)})
    assert response.getheader("X-Cache") == "BYPASS", cookie
    response, _ = fetch(stack, "/articles/stretch-1/", {"Cookie": f"x{cookie}=1; csrftoken=t"})
    assert response.getheader("X-Cache") == "HIT", cookie


def test_a_cross_site_comment_is_refused_through_nginx(stack):
    """A POST another site makes the browser send: the styled 403, the text kept, nothing stored."""
    text = "Click here for cheap pills, posted from another site."
    before = query(stack.database_url, "SELECT COUNT(*) FROM comments_comment")[0][0]
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    ):
        response, page = post_comment(stack, Browser(), SEED_SLUG, text, "Mallory", headers)
        assert response.status == 403, page[:500]
        assert re.search(r'href="/static/css/site\.[0-9a-f]{12}\.css"', page)
        assert text in page
    assert query(stack.database_url, "SELECT COUNT(*) FROM comments_comment")[0][0] == before


@pytest.mark.parametrize(
    ("number", "headers", "status"),
    [
        (1, {"Host": "evil.example"}, 400),
        (2, {"X-Forwarded-Host": "evil.example"}, 200),
        (3, {"Cache-Control": "no-cache", "Pragma": "no-cache"}, 200),
        (4, {"Cookie": "csrftoken=BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB; comments_trust=evil"}, 200),
        (5, {"X-Forwarded-Proto": "https", "Forwarded": "host=evil.example;proto=https"}, 200),
        (6, {"X-Original-URL": "/admin/", "X-Rewrite-URL": "/admin/"}, 200),
        (7, {"Accept-Encoding": "evil.example, gzip;q=0"}, 200),
    ],
    ids=["host", "forwarded-host", "no-cache", "cookie", "forwarded-proto", "rewrite", "encoding"],
)
def test_the_cache_key_cannot_be_poisoned(stack, number, headers, status):
    """The first request for a page carries an attacker's header: later readers get the real one."""
    path = f"/articles/stretch-{number + 1}/"
    response, answer = fetch(stack, path, headers)
    assert response.status == status, answer[:500]
    if status == 400:
        assert b"Bad Request" in answer or b"<h1>" in answer

    page = wait_until_stored(stack, path)
    # What the app itself answers a plain request, asked directly on its socket.
    assert page == stack.app_request(path)
    assert b"evil.example" not in stored_bytes(stack)
    response, _ = fetch(stack, path)
    # Plain HTTP: a page stored as if it had come over HTTPS would carry HSTS.
    assert response.getheader("Strict-Transport-Security") is None
    assert response.getheader("Location") is None


def test_a_burst_of_misses_makes_one_request_to_the_app(stack):
    """Twenty readers ask for a page nobody has yet, at once: the app renders it once."""
    path = "/articles/stretch-9/"
    shell(
        stack,
        "from django.utils import timezone\nfrom blog.models import Article\n"
        "Article.objects.create(title='Burst', slug='stretch-9', body='Hold.', "
        "status='published', published_at=timezone.now() - timezone.timedelta(days=1))",
    )
    start = Barrier(20)

    def reader(_) -> bytes:
        start.wait(timeout=30)
        response, page = fetch(stack, path)
        assert response.status == 200
        return page

    with ThreadPoolExecutor(20) as pool:
        pages = list(pool.map(reader, range(20)))
    assert len(set(pages)) == 1
    assert stack.log_text().count(f'"GET {path} HTTP/1.') == 1


def test_the_app_sees_the_readers_address_not_what_the_client_claims(stack):
    """nginx appends the reader's address; one claimed in X-Forwarded-For is not taken."""
    text = "Posted from behind a forged X-Forwarded-For."
    response, _ = post_comment(
        stack, Browser(), "stretch-1", text, "Omar", {"X-Forwarded-For": "203.0.113.9"}
    )
    assert response.status == 302
    rows = query(
        stack.database_url, f"SELECT ip_address FROM comments_comment WHERE body = '{text}'"
    )
    # PostgreSQL answers an inet value, SQLite text.
    assert [str(address) for (address,) in rows] == ["127.0.0.1"]


def test_static_files_come_from_nginx_hashed_forever_and_compressed(stack):
    """The stylesheet under its hashed name: immutable, gzipped from collectstatic's copy."""
    _, page = fetch(stack, ARTICLE)
    css = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page).group(1).decode()
    response, body = fetch(stack, css, {"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert "immutable" in response.getheader("Cache-Control")
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert gzip.decompress(body) == (stack.stack.layout.static_root / css[8:]).read_bytes()
    assert f'"GET {css} ' not in stack.log_text()


def test_health_check_and_admin_are_never_cached(stack):
    """/healthz and the admin go to the app every time."""
    for path in ("/healthz", "/admin/login/"):
        for _ in range(2):
            response, _ = fetch(stack, path)
        assert response.status == 200
        assert response.getheader("X-Cache") is None


def test_with_the_app_stopped_readers_get_stored_pages_and_a_styled_503(tmp_path, static_root):
    """Stored pages answer 200 from the cache; an unstored page and a comment get nginx's 503."""
    with (
        server_database(tmp_path) as database_url,
        production_stack(tmp_path, database_url, static_root) as server,
    ):
        article = wait_until_stored(server, ARTICLE)
        home = wait_until_stored(server, "/")
        server.stop_app()
        # Past the app's s-maxage and stale-while-revalidate: expired, and the app unreachable.
        time.sleep(3.5)
        for path, page in ((ARTICLE, article), ("/", home)):
            response, body = fetch(server, path)
            assert (response.status, body) == (200, page)
            assert response.getheader("X-Cache") == "STALE"

        response, body = fetch(server, "/?page=1")
        assert response.status == 503
        assert b"Temporarily unavailable" in body
        assert response.getheader("Retry-After") == "30"
        assert "no-store" in response.getheader("Cache-Control")
        css = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body).group(1).decode()
        assert fetch(server, css)[0].status == 200

        form = "author_name=Ola&author_email=ola%40example.org&body=Still+there%3F"
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        response, body = server.request("POST", f"{ARTICLE}comments/", headers, form)
        assert response.status == 503
        assert b"it has not been saved" in body

        server.start_app()
        response, body = post_comment(server, Browser(), SEED_SLUG, "Back again.", "Ola")
        assert response.status == 302


@pytest.mark.skipif(os.geteuid() != 0, reason="nginx's workers change user only under root")
def test_make_serve_refuses_static_files_nginx_cannot_read(tmp_path, static_root):
    """Static files in a private folder: one sentence saying what to change, nothing started."""
    # pytest's temporary folders are private to their owner (root).
    private = tmp_path / "private-static"
    shutil.copytree(static_root, private)
    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", private, SERVE_ACCESS_LOG="")
    env.update(SERVE_RUN_DIR=str(world_readable_folder("relief-serve-")), PORT=str(free_port()))
    result = subprocess.run(
        [sys.executable, "-m", "deploy.stack"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "cannot read" in result.stderr and "chmod o+rx" in result.stderr
    assert "Traceback" not in result.stderr


def test_comment_pages_are_stored_like_the_article_and_permalinks_never(stack):
    """
    A later page of a long discussion is one stored page for every reader; a
    permalink's redirect, the author's own page and the edit form never are.
    """
    shell(
        stack,
        "from django.utils import timezone\n"
        "from blog.models import Article\n"
        "from comments.models import Comment\n"
        "article = Article.objects.create(title='A long talk', slug='long-talk', body='Talk.',\n"
        "    status='published', published_at=timezone.now() - timezone.timedelta(days=1))\n"
        "for number in range(52):\n"
        "    Comment.objects.create(article=article, author_name=f'Reader {number}',\n"
        "        author_email=f'r{number}@example.org', body=f'Thread number {number}.',\n"
        "        status='approved')\n",
    )
    page_two = "/articles/long-talk/comment-page-2/"
    stored = wait_until_stored(stack, page_two)
    assert b"Thread number 51." in stored and b"Thread number 49." not in stored
    again, same = fetch(stack, page_two, Browser({"comments_trust": "someone-else"}).header())
    assert again.getheader("X-Cache") == "HIT" and same == stored

    last = comment_id(stack, "Thread number 51.")
    for _ in range(2):
        response, _ = fetch(stack, f"/comments/{last}/")
        assert response.status == 302
        assert response.getheader("Location").endswith(f"{page_two}#comment-{last}")
        assert response.getheader("X-Cache") != "HIT"

    text = "Held on the last page, for me alone."
    author = Browser()
    response, _ = post_comment(stack, author, "long-talk", text, "Noor")
    assert response.getheader("Location").endswith(f"{page_two}#comment-{comment_id(stack, text)}")
    response, own = fetch(stack, page_two, author.header())
    assert response.getheader("X-Cache") == "BYPASS" and text.encode() in own
    assert b"Edit or withdraw" in own
    edit = f"/comments/{comment_id(stack, text)}/edit/"
    response, form = fetch(stack, edit, author.header())
    assert response.status == 200 and text.encode() in form
    assert "private" in response.getheader("Cache-Control")
    for _ in range(2):
        response, refused = fetch(stack, edit)
        assert response.status == 404 and text.encode() not in refused
        assert response.getheader("X-Cache") != "HIT"
    assert text.encode() not in fetch(stack, page_two)[1]
    assert text.encode() not in stored_bytes(stack)


def header_facts(response) -> dict[str, str]:
    """The security headers a response carries (CSP directives by name)."""
    policy = response.getheader("Content-Security-Policy") or ""
    parts = (part.split() for part in policy.split(";"))
    directives = {name: " ".join(values) for name, *values in parts}
    return {
        "default-src": directives.get("default-src", ""),
        "trusted-types": directives.get("require-trusted-types-for", ""),
        "corp": response.getheader("Cross-Origin-Resource-Policy"),
        "camera": "camera=()" in (response.getheader("Permissions-Policy") or ""),
        "nosniff": response.getheader("X-Content-Type-Options"),
    }


def test_security_headers_arrive_on_stored_pages_and_what_nginx_serves(stack):
    """
    A page from nginx's cache (HIT) carries the app's CSP (default-src 'none',
    Trusted Types), CORP same-origin and the Permissions-Policy; so do the
    static files and the 429 page nginx serves itself.
    """
    expected = {
        "default-src": "'none'",
        "trusted-types": "'script'",
        "corp": "same-origin",
        "camera": True,
        "nosniff": "nosniff",
    }
    for path in SHARED_PAGES:
        for reader in ({}, {"Accept-Encoding": "gzip"}):
            for _ in range(50):
                response, _ = fetch(stack, path, reader)
                if response.getheader("X-Cache") == "HIT":
                    break
            assert response.getheader("X-Cache") == "HIT", path
            assert header_facts(response) == expected, (path, reader)

    _, page = fetch(stack, ARTICLE)
    css = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page).group(1).decode()
    response, _ = fetch(stack, css)
    assert header_facts(response) == expected
    admin, _ = fetch(stack, "/admin/login/")
    assert {**header_facts(admin), "trusted-types": "'script'"} == expected
    assert header_facts(admin)["trusted-types"] == ""


def test_structured_data_and_feeds_reach_readers_through_the_cache(stack):
    """
    Through nginx's cache: the JSON-LD's comments have their permalink and date,
    replies inside their parent; a batch approval still gives each feed entry
    its own ``updated``; the Atom article feed holds the article in ``<content>``.
    """
    shell(
        stack,
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from blog.models import Article\n"
        "from comments.models import Comment\n"
        "now = timezone.now()\n"
        "article = Article.objects.create(title='Batch talk', slug='batch-talk',\n"
        "    body='## Whole\\n\\nThe article, whole.', status='published',\n"
        "    published_at=now - timedelta(days=1))\n"
        "first = Comment.objects.create(article=article, author_name='Ana', body='First.',\n"
        "    status='pending', created_at=now - timedelta(minutes=9))\n"
        "Comment.objects.create(article=article, parent=first, author_name='Sam',\n"
        "    body='Reply.', status='pending', created_at=now - timedelta(minutes=8))\n"
        "Comment.objects.create(article=article, author_name='Noor', body='Second.',\n"
        "    status='pending', created_at=now - timedelta(minutes=7))\n"
        "article.comments.update(status='approved')\n",
    )
    page = wait_until_stored(stack, "/articles/batch-talk/")
    block = re.search(rb'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    comments = json.loads(block.group(1))["comment"]
    assert [item["text"] for item in comments] == ["First.", "Second."]
    assert [item["text"] for item in comments[0]["comment"]] == ["Reply."]
    for item in (*comments, comments[0]["comment"][0]):
        assert re.fullmatch(r"http://127\.0\.0\.1:8000/comments/\d+/", item["url"]), item
        assert item["datePublished"]

    feed = wait_until_stored(stack, "/articles/batch-talk/feed/").decode()
    updated = re.findall(r"<entry>.*?<updated>([^<]+)</updated>", feed, re.S)
    assert len(updated) == len(set(updated)) == 3, updated

    atom = wait_until_stored(stack, "/feed/atom/").decode()
    entry = next(e for e in atom.split("<entry>")[1:] if "<title>Batch talk</title>" in e)
    assert '<content type="html">&lt;h2' in entry and "The article, whole." in entry
