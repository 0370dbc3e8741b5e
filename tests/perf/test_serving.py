"""
The production server under concurrent writers, and with its database gone or locked.

Each test runs gunicorn with the project's config (tests/perf/server.py), loaded
only from loopback, with bounded counts. No timing is asserted: only what is
stored and what each answer says.
"""

import json
import re
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPResponse
from pathlib import Path
from threading import Barrier
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.test import override_settings

from tests.conftest import SEED_SLUG
from tests.perf.server import (
    ROOT,
    Browser,
    count_rows,
    production_env,
    production_server,
    server_database,
)

ARTICLE = f"/articles/{SEED_SLUG}/"
POST = f"/articles/{SEED_SLUG}/comments/"
STAMP = "/comments/stamp/"
POSTERS = 8
COMMENTS_EACH = 50


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    """Static files collected once, hashed and compressed, as `make serve` does."""
    root = tmp_path_factory.mktemp("static")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


def open_page(browser: Browser, connection) -> dict[str, str]:
    """GET the article as a reader; return every hidden input of its comment form."""
    connection.request("GET", ARTICLE, headers=browser.header())
    response = connection.getresponse()
    page = response.read()
    assert response.status == 200
    browser.remember(response)
    form = BeautifulSoup(page, "html.parser").select_one("#commentform")
    return {tag["name"]: tag.get("value", "") for tag in form.select("input[type=hidden][name]")}


def fetch_stamp(browser: Browser, connection) -> str:
    """The single-use stamp the page's script fetches when its reader starts writing."""
    connection.request("GET", STAMP, headers=browser.header())
    response = connection.getresponse()
    stamp = json.loads(response.read())["issued"]
    browser.remember(response)
    return stamp


def send_comment(browser: Browser, connection, hidden: dict, body: str, name: str) -> HTTPResponse:
    """Post a comment as the page's script does: a fresh stamp, from the site's own origin."""
    data = {
        **hidden,
        "issued": fetch_stamp(browser, connection),
        "author_name": name,
        "author_email": f"{name.lower().replace(' ', '.')}@example.org",
        "body": body,
    }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Sec-Fetch-Site": "same-origin",
        **browser.header(),
    }
    connection.request("POST", POST, body=urlencode(data), headers=headers)
    response = connection.getresponse()
    response.text = response.read().decode(errors="replace")
    browser.remember(response)
    return response


def test_eight_concurrent_posters_lose_no_comment(tmp_path, static_root):
    """8 readers post 50 comments each at once: all accepted, all stored, none refused as locked."""
    with (
        server_database(tmp_path) as database_url,
        production_server(tmp_path, database_url, static_root) as server,
    ):
        start = Barrier(POSTERS)

        def poster(index: int) -> list[int]:
            browser, connection = Browser(), server.connect()
            hidden = open_page(browser, connection)
            start.wait(timeout=60)
            statuses = []
            for number in range(COMMENTS_EACH):
                body = f"Comment {number} from poster {index}: calf cramps eased by stretching."
                response = send_comment(browser, connection, hidden, body, f"Poster {index}")
                statuses.append(response.status)
            connection.close()
            return statuses

        with ThreadPoolExecutor(POSTERS) as pool:
            statuses = [status for result in pool.map(poster, range(POSTERS)) for status in result]

        accepted = sum(200 <= status < 400 for status in statuses)
        assert len(statuses) == POSTERS * COMMENTS_EACH
        assert set(statuses) == {302}, sorted(set(statuses))
        assert count_rows(database_url, "comments_comment") == accepted == 400
        log = server.log_text()
        assert "database is locked" not in log
        assert "Service unavailable" not in log


def test_production_server_serves_cached_pages_and_hashed_static_files(tmp_path, static_root):
    """Debug off: the article with ETag and 304, CSS under a hashed name, gzip and immutable."""
    with (
        server_database(tmp_path) as database_url,
        production_server(tmp_path, database_url, static_root) as server,
    ):
        browser = Browser()
        connection = server.connect()
        connection.request("GET", ARTICLE)
        response = connection.getresponse()
        page = response.read().decode()
        browser.remember(response)
        assert response.status == 200
        etag = response.getheader("ETag")
        assert etag and "Server Error" not in page

        connection.request("GET", ARTICLE, headers={"If-None-Match": etag, **browser.header()})
        again = connection.getresponse()
        again.read()
        assert again.status == 304

        css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page).group(1)
        connection.request("GET", css, headers={"Accept-Encoding": "gzip"})
        static = connection.getresponse()
        static.read()
        assert static.status == 200
        assert static.getheader("Content-Encoding") == "gzip"
        assert "immutable" in static.getheader("Cache-Control")

        health, body = server.get("/healthz")
        assert (health.status, body) == (200, "ok\n")


@pytest.mark.parametrize(
    "database_url",
    ["postgres://postgres@127.0.0.1:1/absent", "sqlite:////nonexistent/folder/db.sqlite3"],
    ids=["postgresql-unreachable", "sqlite-unopenable"],
)
def test_database_down_gives_styled_503_healthz_503_and_one_log_line(
    tmp_path, static_root, database_url
):
    """Readers get the try-again page; the health check fails; each failure is logged once."""
    with production_server(tmp_path, database_url, static_root, migrate=False) as server:
        response, page = server.get(ARTICLE)
        assert response.status == 503
        assert "Temporarily unavailable" in page and "Please try again" in page
        assert re.search(r'href="/static/css/site\.[0-9a-f]{12}\.css"', page)
        assert response.getheader("Retry-After") == "30"

        health, body = server.get("/healthz")
        assert (health.status, body) == (503, "unavailable: database\n")

        home, _ = server.get("/")
        assert home.status == 503

    log = server.log_text()
    assert log.count(f"Service unavailable for GET {ARTICLE}: OperationalError") == 1
    assert log.count("Service unavailable for GET /: OperationalError") == 1
    assert "Internal Server Error" not in log
    assert "Traceback" not in log


def test_comment_sent_while_the_database_is_locked_is_refused_then_accepted(tmp_path, static_root):
    """Locked past the timeout: 503, nothing stored, text given back; once free, it is stored."""
    database_url = f"sqlite:///{tmp_path / 'locked.sqlite3'}"
    with production_server(tmp_path, database_url, static_root, DJANGO_DB_TIMEOUT="1") as server:
        browser, connection = Browser(), server.connect()
        hidden = open_page(browser, connection)

        lock = sqlite3.connect(tmp_path / "locked.sqlite3", isolation_level=None, timeout=30)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            refused = send_comment(browser, connection, hidden, "Magnesium helped me.", "Ola")
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert refused.status == 503
        assert "What you sent has not been saved." in refused.text
        assert "Magnesium helped me." in refused.text
        assert count_rows(database_url, "comments_comment") == 0

        accepted = send_comment(browser, connection, hidden, "Magnesium helped me.", "Ola")
        assert accepted.status == 302
        assert count_rows(database_url, "comments_comment") == 1
        connection.close()

    log = server.log_text()
    assert (
        log.count(f"Service unavailable for POST {POST}: OperationalError: database is locked") == 1
    )
    assert "Traceback" not in log


def test_sqlite_is_set_up_for_concurrent_writers(tmp_path, static_root):
    """WAL journal, IMMEDIATE transactions, a busy timeout and synchronous=NORMAL, as served."""
    env = production_env(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}", static_root)
    script = (
        "from django.db import connection as c;"
        "cursor = c.cursor();"
        "print([cursor.execute(f'PRAGMA {name}').fetchone()[0]"
        " for name in ('journal_mode', 'synchronous', 'busy_timeout')],"
        " c.settings_dict['OPTIONS']['transaction_mode'], c.settings_dict['CONN_MAX_AGE'])"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # synchronous 1 is NORMAL; the busy timeout is in milliseconds.
    assert result.stdout.strip() == "['wal', 1, 20000] IMMEDIATE 600"
