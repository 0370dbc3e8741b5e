"""Rate limits hold across processes: two servers, one limit."""

import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.conftest import SEED_SLUG, bare_environment
from tests.perf.server import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = f"/articles/{SEED_SLUG}/"
REDIS_URL = "redis://127.0.0.1:6379/0"


class Reader:
    """A browser-like client: keeps cookies, fills the form from the page it was served."""

    def __init__(self):
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), NoRedirect()
        )

    def comment(self, base: str, email: str, body: str) -> int:
        """Open the article, fetch a stamp as its script does, and post a comment."""
        with self.opener.open(f"{base}{ARTICLE}", timeout=10) as page:
            form = BeautifulSoup(page.read(), "html.parser").select_one("#commentform")
        with self.opener.open(f"{base}{form['data-stamp-url']}", timeout=10) as stamp:
            issued = json.load(stamp)["issued"]
        data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
        data |= {"author_name": "Sam", "author_email": email, "body": body, "issued": issued}
        request = urllib.request.Request(
            f"{base}{form['action']}",
            data=urllib.parse.urlencode(data).encode(),
            headers={"Origin": base},
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/", timeout=2).close()
            return server, base
        except OSError:
            assert server.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)


@pytest.fixture(params=["redis", "database"])
def two_servers(request, tmp_path):
    """Two separate server processes on one database, sharing Redis or the database cache."""
    env = bare_environment()
    env |= {
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_COMMENTS_MIN_SUBMIT_SECONDS": "0",
        "DJANGO_COMMENTS_FLOOD_INTERVAL": "15",
        "REDIS_URL": "",
    }
    if request.param == "redis":
        env |= {"REDIS_URL": REDIS_URL, "DJANGO_CACHE_PREFIX": f"test-{uuid.uuid4().hex}"}
    for command in (["migrate", "-v0"], ["createcachetable"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=120
        )
    servers = [start_server(env) for _ in range(2)]
    yield [base for _, base in servers]
    for server, _ in servers:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_two_processes_share_one_flood_limit(two_servers):
    """A comment accepted by one process makes the other answer 429 to the same sender."""
    first, second = two_servers
    reader = Reader()
    assert reader.comment(first, "sam@example.org", "First thought.") == 302
    assert reader.comment(second, "sam@example.org", "Second thought.") == 429
    assert Reader().comment(second, "other@example.org", "From the same address.") == 429
