"""
Start the production server (gunicorn, debug off) on a free loopback port, for tests.

``production_server`` runs gunicorn alone; ``production_stack`` runs what `make
serve` runs (deploy/stack.py: nginx's cache in front of gunicorn), through the
same code. Their database is a new SQLite file, or, when the suite itself runs
on PostgreSQL, a new PostgreSQL database beside the suite's, dropped afterwards.
"""

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from http.client import HTTPConnection, HTTPResponse
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg

from deploy.stack import APP_SERVER, Service, Stack, app_server_command, connects

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k3y-for-tests-only-9c1e5b7d3f2a4c6e8a0b2d4f6a8c0e2b4d6f8a0c"
EMAIL_KEY = "q8mW0v3N1cZk5rT9yL2hJ6pX4bF7dG0sA1eU3iO5nM8="
STRIPPED = ("DJANGO_", "DATABASE_", "REDIS_", "GUNICORN_", "WEB_CONCURRENCY", "PORT", "HOST")


def wait_for(condition, seconds: float, what: str) -> None:
    """Poll until ``condition()`` holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url: str, static_root: Path, **extra: str) -> dict[str, str]:
    """The environment of `make serve` on this machine, plain HTTP on loopback."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(STRIPPED)}
    env.update(
        # The production server reads no .env; neither do its manage.py commands here.
        DJANGO_ENV_FILE="",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_COMMENT_EMAIL_KEYS=EMAIL_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_STATIC_ROOT=str(static_root),
        DATABASE_URL=database_url,
        # The anti-spam timing would refuse a test's instant, repeated posts.
        DJANGO_COMMENTS_MIN_SUBMIT_SECONDS="0",
        DJANGO_COMMENTS_FLOOD_INTERVAL="0",
        GUNICORN_ACCESS_LOG="",
    )
    if redis_url := os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


@contextmanager
def server_database(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one server: PostgreSQL when the suite uses it, else SQLite."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'served.sqlite3'}"
        return
    name = f"served_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(suite_url)
    admin_url = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(database_url: str, sql: str) -> list[tuple]:
    """The rows of one SELECT on the server's database, read with the database's own client."""
    if database_url.startswith("sqlite:///"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as connection:
            return connection.execute(sql).fetchall()
    url = urlunsplit(urlsplit(database_url)._replace(scheme="postgresql"))
    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchall()


def count_rows(database_url: str, table: str) -> int:
    """Rows in a table of the server's database."""
    return query(database_url, f"SELECT COUNT(*) FROM {table}")[0][0]


@dataclass
class Server:
    port: int
    database_url: str
    log: Path
    process: subprocess.Popen
    # The loopback address requests come from: one client of the server's (127.0.0.0/8).
    source: str = field(default="127.0.0.1", kw_only=True)

    def connect(self) -> HTTPConnection:
        return HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(self.source, 0))

    def as_client(self, address: str) -> "Server":
        """The same server, asked from another loopback address: another client to nginx."""
        return replace(self, source=address)

    def get(self, path: str, headers: dict | None = None) -> tuple[HTTPResponse, str]:
        response, body = self.request("GET", path, headers)
        return response, body.decode()

    def request(
        self, method: str, path: str, headers: dict | None = None, body: str | None = None
    ) -> tuple[HTTPResponse, bytes]:
        """One request on a new connection; the answer and its body as sent (bytes)."""
        connection = self.connect()
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
        connection.close()
        return response, content

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def served_env(
    database_url: str, static_root: Path, migrate: bool, workers: str | None, extra: dict
) -> dict[str, str]:
    """The server's environment, its database migrated first unless told not to."""
    env = production_env(database_url, static_root, **extra)
    if migrate:
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable")
    if workers is not None:
        env.setdefault("WEB_CONCURRENCY", workers)
    return env


@contextmanager
def production_server(
    tmp_path: Path,
    database_url: str,
    static_root: Path,
    migrate: bool = True,
    workers: str | None = "3",
    **extra: str,
) -> Iterator[Server]:
    """
    Run gunicorn with the project's config until the block ends; it is stopped either way.

    ``workers=None`` leaves the count to gunicorn.conf.py (sized from the CPUs).
    """
    env = served_env(database_url, static_root, migrate, workers, extra)
    port = free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    log = tmp_path / f"server-{port}.log"
    # The app server as make serve runs it (deploy/stack.py), on a port of its own.
    app = Service("app server", app_server_command(), connects(("127.0.0.1", port)))
    with log.open("w") as output:
        app.start(env, output)
    try:
        yield Server(port, database_url, log, app.process)
    finally:
        app.stop()


class UnixHTTPConnection(HTTPConnection):
    """HTTP over a unix socket (the app server's, behind nginx)."""

    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=60)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


@dataclass
class StackServer(Server):
    """nginx on ``port`` in front of gunicorn, as `make serve` runs them."""

    stack: Stack | None = None

    def stop_app(self) -> None:
        """Stop the app server alone: nginx goes on answering from its cache."""
        self.stack.stop_program(APP_SERVER)

    def start_app(self) -> None:
        self.stack.start_program(APP_SERVER)
        wait_for(connects(str(self.stack.layout.app_socket)), 60, "the app server")

    def app_request(self, path: str) -> bytes:
        """GET ``path`` from the app server itself, past nginx, as nginx would ask for it."""
        connection = UnixHTTPConnection(str(self.stack.layout.app_socket))
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-For": "127.0.0.1",
            "X-Forwarded-Proto": "http",
        }
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        connection.close()
        assert response.status == 200, body[:500]
        return body

    def cached_files(self) -> list[Path]:
        return [path for path in self.stack.layout.cache.rglob("*") if path.is_file()]


def world_readable_folder(prefix: str) -> Path:
    """
    A new temporary folder nginx's workers can read (they run as nobody under root).

    pytest's own temporary folders are private to their owner.
    """
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


@contextmanager
def production_stack(
    tmp_path: Path,
    database_url: str,
    static_root: Path,
    migrate: bool = True,
    workers: str | None = "3",
    **extra: str,
) -> Iterator[StackServer]:
    """
    Run nginx and gunicorn as `make serve` does until the block ends; both are stopped either way.

    ``static_root`` must be readable by nginx's workers (``world_readable_folder``).
    """
    env = served_env(database_url, static_root, migrate, workers, {"SERVE_ACCESS_LOG": "", **extra})
    port = free_port()
    run = world_readable_folder("relief-run-")
    log = tmp_path / f"stack-{port}.log"
    with log.open("a") as output:
        stack = Stack(run, f"127.0.0.1:{port}", env=env, output=output)
        try:
            stack.start()
            nginx = stack.service("nginx").process
            yield StackServer(port, database_url, log, nginx, stack=stack)
        finally:
            stack.stop()
            shutil.rmtree(run, ignore_errors=True)


@contextmanager
def seeded_stack(
    tmp_path: Path, static_root: Path, seed: str = "", **extra: str
) -> Iterator[StackServer]:
    """
    A stack on a new database seeded by ``seed`` (a `manage.py shell` script), the
    app's access log on so that a test can count what reached the app.
    """
    with (
        server_database(tmp_path) as database_url,
        production_stack(
            tmp_path, database_url, static_root, GUNICORN_ACCESS_LOG="-", **extra
        ) as server,
    ):
        if seed:
            manage(production_env(database_url, static_root), "shell", "-c", seed)
        yield server


@dataclass
class Browser:
    """One reader's cookies, kept as a browser would (the server's are Secure: sent anyway)."""

    cookies: dict[str, str] = field(default_factory=dict)

    def remember(self, response: HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}


def post_comment(
    server: Server,
    browser: Browser,
    slug: str,
    body: str,
    name: str = "Ola",
    headers: dict[str, str] | None = None,
) -> tuple[HTTPResponse, str]:
    """
    Send a comment as a browser with JavaScript does, through whatever listens on ``port``.

    It fetches a fresh stamp (GET /comments/stamp/, which sets the cookie the
    stamp is bound to), then posts the form from the site's own origin.
    """
    response, content = server.request("GET", "/comments/stamp/", browser.header())
    assert response.status == 200, content
    browser.remember(response)
    form = {
        "author_name": name,
        "author_email": f"{name.lower().replace(' ', '.')}@example.org",
        "author_url": "",
        "body": body,
        "issued": json.loads(content)["issued"],
    }
    sent = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Sec-Fetch-Site": "same-origin",
        "Origin": f"http://127.0.0.1:{server.port}",
        **browser.header(),
        **(headers or {}),
    }
    response, content = server.request("POST", f"/articles/{slug}/comments/", sent, urlencode(form))
    browser.remember(response)
    return response, content.decode(errors="replace")
