"""
Requests the site makes because a stranger asked: bounded, and never to a private address.

A remote server's actor key, a reply object, a webmention's source: each URL
comes from someone on the internet, so fetching it must not let them reach
what only this machine can (the admin on 127.0.0.1, a cloud's metadata
service on 169.254.169.254, the database), nor hold a worker for long, nor
fill its memory. ``fetch`` is the one way the apps make such a request:

- the host name is resolved once, every address it resolves to is checked,
  and the connection goes to the checked address (a DNS answer that changes
  between the check and the connection cannot slip past it);
- each redirect is a new request, checked again, up to ``MAX_REDIRECTS``;
- the whole exchange has one deadline and the body a size cap: past either,
  ``Refused``;
- no cookie is sent or kept, and no credential of the site's but what the
  caller puts in ``headers`` (an HTTP signature).

``settings.OUTBOUND_ALLOW_PRIVATE`` (``DJANGO_OUTBOUND_ALLOW_PRIVATE``) lifts
the address rule, plain ``http://`` included, for tests and local trials on
one machine; ``manage.py check --deploy`` warns when it is on.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from lib.refusal import Refusal

MAX_BYTES = 1_000_000
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 3
REDIRECTS = {301, 302, 303, 307, 308}


class Refused(Refusal):
    """
    The request was not made, or its answer not taken: ``sentence`` says why.

    A stranger's URL that cannot be fetched is their request's fault: 400,
    unless the caller knows better.
    """

    def __init__(self, sentence: str, status: int = 400):
        super().__init__(sentence, status)


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: Message = field(repr=False)
    body: bytes = field(repr=False)

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type()

    def text(self) -> str:
        return self.body.decode(self.headers.get_content_charset() or "utf-8", errors="replace")


def user_agent() -> str:
    return f"{urlsplit(settings.SITE_URL).hostname or 'blog'} (+{settings.SITE_URL}/)"


def public_address(address: str) -> bool:
    """An address anyone on the internet reaches: not private, loopback, link-local, reserved."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> str:
    """The address to connect to: the first one ``host`` resolves to, every one of them checked."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise Refused(f"The name {host} could not be resolved.") from error
    addresses = [answer[4][0] for answer in answers]
    if not addresses:
        raise Refused(f"The name {host} could not be resolved.")
    if not settings.OUTBOUND_ALLOW_PRIVATE:
        for address in addresses:
            if not public_address(address):
                raise Refused(f"{host} is a private or local address; the site does not go there.")
    return addresses[0]


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to an address checked beforehand, whatever the name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked for the name, the socket to the address."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT_SECONDS,
    follow_redirects: bool = True,
) -> Response:
    """
    Make one request for a stranger's URL, following its redirects, checked at every hop.

    Answers the final response, whatever its status (the caller decides what a
    404 means); raises ``Refused`` when the URL, an address, the time or the
    size is out of bounds, or the server cannot be reached.
    """
    deadline = time.monotonic() + timeout
    for _hop in range(MAX_REDIRECTS + 1):
        response = _request(url, method, body, headers or {}, max_bytes, deadline)
        location = response.headers.get("location")
        if not (follow_redirects and response.status in REDIRECTS and location):
            return response
        url = urljoin(url, location)
        if response.status == 303 or (response.status in (301, 302) and method == "POST"):
            method, body = "GET", None
    raise Refused(f"More than {MAX_REDIRECTS} redirects.")


def _request(
    url: str, method: str, body: bytes | None, headers: dict, max_bytes: int, deadline: float
) -> Response:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("Only http and https addresses are fetched.")
    if parts.username or parts.password:
        raise Refused("Addresses with a user name or password are not fetched.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise Refused("The address has an invalid port.") from error
    address = resolve(parts.hostname, port)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise Refused("The remote server took too long to answer.")
    kind = PinnedHTTPSConnection if parts.scheme == "https" else PinnedHTTPConnection
    connection = kind(parts.hostname, port, address, timeout=remaining)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent = {"User-Agent": user_agent(), "Accept-Encoding": "identity", **headers}
    try:
        connection.request(method, target, body=body, headers=sent)
        answer = connection.getresponse()
        declared = answer.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise Refused(f"The answer is larger than {max_bytes:,} bytes.")
        chunks, size = [], 0
        while chunk := answer.read1(65536):
            size += len(chunk)
            if size > max_bytes:
                raise Refused(f"The answer is larger than {max_bytes:,} bytes.")
            if time.monotonic() > deadline:
                raise Refused("The remote server took too long to answer.")
            chunks.append(chunk)
    except TimeoutError as error:
        raise Refused("The remote server took too long to answer.") from error
    except (OSError, http.client.HTTPException) as error:
        reason = type(error).__name__
        raise Refused(f"The remote server could not be reached ({reason}).") from error
    finally:
        connection.close()
    return Response(url=url, status=answer.status, headers=answer.headers, body=b"".join(chunks))
