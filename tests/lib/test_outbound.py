"""
lib/outbound.py: what a stranger's URL can make the site fetch, against real servers on loopback.

Each test is an attacker's: a URL that names this machine in some spelling, a
public server that redirects inward, an answer too large or too slow, a
cookie planted to be sent back.
"""

import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from lib import outbound


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers what the test set in ``server.answer``, and keeps the requests it saw."""

    def do_GET(self) -> None:
        self.server.seen.append((self.path, dict(self.headers)))
        status, headers, body, delay = self.server.answer(self.path)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            for start in range(0, len(body), 1024):
                self.wfile.write(body[start : start + 1024])
                time.sleep(delay)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the site hung up, as it should have

    def log_message(self, *args) -> None:
        pass


@contextmanager
def server(host: str, answer) -> Iterator[http.server.ThreadingHTTPServer]:
    httpd = http.server.ThreadingHTTPServer((host, 0), Recorder)
    httpd.seen, httpd.answer = [], answer
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def ok(body: bytes = b"hello", delay: float = 0.0, **headers):
    return lambda path: (200, {"Content-Type": "text/plain", **headers}, body, delay)


def url(httpd, path: str = "/") -> str:
    host, port = httpd.server_address[:2]
    return f"http://{host}:{port}{path}"


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "2130706433", "0x7f.0.0.1", "0177.0.0.1", "[::1]"]
)
def test_this_machine_is_refused_in_every_spelling(host):
    with server("127.0.0.1", ok()) as httpd:
        port = httpd.server_address[1]
        with pytest.raises(outbound.Refused, match="private or local address"):
            outbound.fetch(f"http://{host}:{port}/")
        assert httpd.seen == []


@pytest.mark.parametrize(
    "address", ["10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                "::ffff:127.0.0.1", "fe80::1", "fd00::1", "0.0.0.0", "224.0.0.1"]
)  # fmt: skip
def test_private_link_local_and_mapped_addresses_are_not_public(address):
    assert not outbound.public_address(address)


def test_public_addresses_are(settings):
    assert outbound.public_address("93.184.216.34")
    assert outbound.public_address("2606:2800:220:1:248:1893:25c8:1946")


def test_a_public_server_cannot_redirect_the_site_inward(public_loopback):
    with server("127.0.0.1", ok(b"the admin")) as inside:
        target = url(inside, "/admin/")
        outside_answer = lambda path: (302, {"Location": target}, b"", 0)  # noqa: E731
        with server("127.0.0.2", outside_answer) as outside:
            with pytest.raises(outbound.Refused, match="private or local address"):
                outbound.fetch(url(outside))
            assert len(outside.seen) == 1
        assert inside.seen == []


def test_redirects_between_public_servers_are_followed_without_cookies(public_loopback):
    def answer(path):
        if path == "/start":
            return 302, {"Location": "/end", "Set-Cookie": "session=stolen"}, b"", 0
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, "arrivé".encode(), 0

    with server("127.0.0.2", answer) as httpd:
        response = outbound.fetch(url(httpd, "/start"), headers={"Accept": "text/plain"})
    assert (response.status, response.text(), response.url) == (200, "arrivé", url(httpd, "/end"))
    assert [path for path, _ in httpd.seen] == ["/start", "/end"]
    assert all("Cookie" not in headers for _, headers in httpd.seen)
    assert httpd.seen[0][1]["Accept"] == "text/plain"


def test_a_redirect_loop_ends(public_loopback):
    loop = lambda path: (302, {"Location": "/again"}, b"", 0)  # noqa: E731
    with server("127.0.0.2", loop) as httpd, pytest.raises(outbound.Refused, match="redirects"):
        outbound.fetch(url(httpd))
    assert len(httpd.seen) == outbound.MAX_REDIRECTS + 1


def test_an_answer_too_large_is_refused_whether_declared_or_not(public_loopback):
    big = b"x" * 50_000
    refused = pytest.raises(outbound.Refused, match="larger than 10,000 bytes")
    with server("127.0.0.2", ok(big)) as httpd, refused:
        outbound.fetch(url(httpd), max_bytes=10_000)

    undeclared = lambda path: (200, {"Connection": "close"}, big, 0)  # noqa: E731
    with server("127.0.0.2", undeclared) as httpd, pytest.raises(outbound.Refused):
        outbound.fetch(url(httpd), max_bytes=10_000)


def test_a_server_that_trickles_is_cut_off_at_the_deadline(public_loopback):
    with server("127.0.0.2", ok(b"x" * 20_000, delay=0.2)) as httpd:
        started = time.monotonic()
        with pytest.raises(outbound.Refused, match="too long"):
            outbound.fetch(url(httpd), timeout=0.5)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "address",
    ["file:///etc/passwd", "ftp://example.com/", "gopher://x/", "http://user:pw@example.com/",
     "http:///nohost", "http://example.com:99999/"],
)  # fmt: skip
def test_other_schemes_credentials_and_nonsense_are_refused_with_a_sentence(address):
    with pytest.raises(outbound.Refused) as refused:
        outbound.fetch(address)
    assert str(refused.value).endswith(".")


def test_allow_private_lets_a_local_trial_fetch_plain_http(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    with server("127.0.0.1", ok(b"local")) as httpd:
        assert outbound.fetch(url(httpd)).body == b"local"


def test_check_deploy_warns_when_private_addresses_are_allowed(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    with pytest.raises(SystemCheckError, match="DJANGO_OUTBOUND_ALLOW_PRIVATE"):
        call_command("check", "--deploy", "--fail-level", "WARNING", tags=["security"])
