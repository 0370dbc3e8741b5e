"""
Other sites on loopback: real HTTP servers whose pages, redirects and endpoints a test sets.

127.0.0.2 stands for a public server on the internet (``public_loopback``);
127.0.0.1 stays what it is, private, so a test can show that the site never
goes there. Every request a server gets is recorded, bodies included.
"""

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.conftest import PUBLIC

PRIVATE = "127.0.0.1"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict
    body: bytes


@dataclass
class Page:
    status: int = 200
    body: bytes | str = b""
    headers: dict = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    # A body made on the fly, chunk by chunk (a page too large to hold).
    chunks: object = None


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append(Seen(self.command, self.path, dict(self.headers), body))
        page = self.server.pages.get(self.path.split("?")[0]) or self.server.pages.get("*")
        if page is None:
            page = Page(404, b"Not found", {"Content-Type": "text/plain"})
        content = page.body.encode() if isinstance(page.body, str) else page.body
        self.send_response(page.status)
        for name, value in page.headers.items():
            for one in value if isinstance(value, list) else [value]:
                self.send_header(name, one.replace("{origin}", self.server.origin))
        if page.chunks is None:
            self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        try:
            if page.chunks is None:
                self.wfile.write(content.replace(b"{origin}", self.server.origin.encode()))
            else:
                for chunk in page.chunks():
                    self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # The site hung up, as it should have.

    do_GET = do_POST = do_HEAD = answer

    def log_message(self, *args) -> None:
        pass


class Site:
    """One web server on loopback: ``pages`` by path ("*" for any), ``seen`` what it was asked."""

    def __init__(self, host: str):
        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.httpd.pages, self.httpd.seen = {}, []
        self.httpd.origin = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def pages(self) -> dict[str, Page]:
        return self.httpd.pages

    @property
    def seen(self) -> list[Seen]:
        return self.httpd.seen

    @property
    def origin(self) -> str:
        return self.httpd.origin

    def url(self, path: str = "/") -> str:
        return f"{self.origin}{path}"

    def posts(self) -> list[Seen]:
        return [request for request in self.seen if request.method == "POST"]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def other_blog(public_loopback) -> Iterator[Site]:
    """Another blog on the internet."""
    site = Site(PUBLIC)
    yield site
    site.close()


@pytest.fixture
def inside() -> Iterator[Site]:
    """A server on this machine, which no stranger's URL may reach (an admin, a metadata API)."""
    site = Site(PRIVATE)
    yield site
    site.close()
