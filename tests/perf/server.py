"""
Start the production server (gunicorn, debug off) on a free loopback port, for tests.

Its database is a new SQLite file, or, when the suite itself runs on PostgreSQL,
a new PostgreSQL database beside the suite's, dropped afterwards.
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPResponse
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k3y-for-tests-only-9c1e5b7d3f2a4c6e8a0b2d4f6a8c0e2b4d6f8a0c"
EMAIL_KEY = "q8mW0v3N1cZk5rT9yL2hJ6pX4bF7dG0sA1eU3iO5nM8="
STRIPPED = ("DJANGO_", "DATABASE_", "REDIS_", "GUNICORN_", "WEB_CONCURRENCY", "PORT", "HOST")


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


def count_rows(database_url: str, table: str) -> int:
    """Rows in a table of the server's database, read with the database's own client."""
    return query(database_url, f"SELECT COUNT(*) FROM {table}")[0][0]


def query(database_url: str, sql: str) -> list[tuple]:
    """What a query finds in the server's database, read with the database's own client."""
    if database_url.startswith("sqlite:///"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as connection:
            return connection.execute(sql).fetchall()
    url = urlunsplit(urlsplit(database_url)._replace(scheme="postgresql"))
    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchall()


@dataclass
class Server:
    port: int
    database_url: str
    log: Path
    process: subprocess.Popen

    def connect(self) -> HTTPConnection:
        return HTTPConnection("127.0.0.1", self.port, timeout=60)

    def get(self, path: str, headers: dict | None = None) -> tuple[HTTPResponse, str]:
        connection = self.connect()
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read().decode()
        connection.close()
        return response, body

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


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
    env = production_env(database_url, static_root, **extra)
    if migrate:
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable")
    port = free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    if workers is not None:
        env.setdefault("WEB_CONCURRENCY", workers)
    log = tmp_path / f"server-{port}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "blog.wsgi:application", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port, database_url, log, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                server.get("/healthz")
                break
            except OSError:
                assert process.poll() is None, f"gunicorn exited:\n{server.log_text()}"
                assert time.monotonic() < deadline, "gunicorn did not answer in time"
                time.sleep(0.2)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


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
