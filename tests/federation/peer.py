"""
A fediverse server on loopback that behaves as Mastodon does, for the tests.

It serves its accounts' actor documents (with ``publicKey``, an inbox each and a
shared inbox) and their Notes in Mastodon's shapes (``to``/``cc``, ``tag``,
``contentMap``, ``sensitive``, ``attachment``), signs what it sends with each
account's own key (draft-cavage rsa-sha256 over ``(request-target) host date
digest content-type``, as Mastodon's ``HttpSignature`` does), and records every
request it receives: what the blog fetched, and what it delivered. Its signing
code is its own, written from the draft, not the site's.
"""

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from email.utils import formatdate
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# The ports this helper may use (the brief's range), the first free one taken.
PORTS = range(8651, 8660)
AS_CONTEXT = [
    "https://www.w3.org/ns/activitystreams",
    {"sensitive": "as:sensitive", "toot": "http://joinmastodon.org/ns#"},
]
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def account_key(username: str):
    """One key per account name for the whole run: making RSA keys is slow."""
    return new_key()


def public_pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass
class Account:
    username: str
    base: str
    name: str = ""
    key: object = None

    def __post_init__(self) -> None:
        self.key = self.key or account_key(self.username)

    @property
    def id(self) -> str:
        return f"{self.base}/users/{self.username}"

    @property
    def key_id(self) -> str:
        return f"{self.id}#main-key"

    @property
    def handle(self) -> str:
        return f"@{self.username}@{self.base.removeprefix('http://')}"

    def document(self) -> dict:
        return {
            "@context": AS_CONTEXT,
            "id": self.id,
            "type": "Person",
            "preferredUsername": self.username,
            "name": self.name or self.username.title(),
            "summary": "<p>Reads blogs.</p>",
            "url": f"{self.base}/@{self.username}",
            "inbox": f"{self.id}/inbox",
            "outbox": f"{self.id}/outbox",
            "followers": f"{self.id}/followers",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "icon": {"type": "Image", "url": f"{self.base}/avatars/{self.username}.png"},
            "publicKey": {
                "id": self.key_id,
                "owner": self.id,
                "publicKeyPem": public_pem(self.key),
            },
        }


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def sign(
    key, key_id: str, method: str, host: str, path: str, body: bytes, date: str | None = None
) -> dict[str, str]:
    """Mastodon's signed headers for a request: Date, Digest, Content-Type, Signature."""
    headers = {
        "Host": host,
        "Date": date or formatdate(usegmt=True),
        "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
        "Content-Type": "application/activity+json",
    }
    names = ["(request-target)", "host", "date", "digest", "content-type"]
    by_name = {name.lower(): value for name, value in headers.items()}
    lines = [f"(request-target): {method.lower()} {path}"]
    lines += [f"{name}: {by_name[name]}" for name in names[1:]]
    text = "\n".join(lines)
    signature = base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256()))
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{signature.decode()}"'
    )
    return headers


class Peer:
    """One server: accounts, Notes, and what it received; ``inbox_status`` answers deliveries."""

    def __init__(self) -> None:
        self.server = bind()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.accounts: dict[str, Account] = {}
        self.notes: dict[str, dict] = {}
        self.received: list[Received] = []
        self.inbox_status = 202
        self.server.peer = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def account(self, username: str, name: str = "") -> Account:
        account = Account(username, self.base, name=name)
        self.accounts[username] = account
        return account

    def note(self, account: Account, number: int, in_reply_to: str, html: str, **extra) -> dict:
        """A Note as Mastodon serves it, kept at its id."""
        note_id = f"{account.id}/statuses/{number}"
        note = {
            "@context": AS_CONTEXT,
            "id": note_id,
            "type": "Note",
            "summary": None,
            "inReplyTo": in_reply_to,
            "published": "2026-12-06T05:00:00Z",
            "url": f"{self.base}/@{account.username}/{number}",
            "attributedTo": account.id,
            "to": [PUBLIC],
            "cc": [f"{account.id}/followers"],
            "sensitive": False,
            "content": html,
            "contentMap": {"en": html},
            "attachment": [],
            "tag": [],
            "replies": {"id": f"{note_id}/replies", "type": "Collection"},
            **extra,
        }
        self.notes[note_id.removeprefix(self.base)] = note
        return note

    def deliveries(self) -> list[Received]:
        return [r for r in self.received if r.method == "POST"]

    def fetches(self) -> list[Received]:
        return [r for r in self.received if r.method == "GET"]


def bind() -> ThreadingHTTPServer:
    for port in PORTS:
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError:
            continue
        server.daemon_threads = True
        return server
    raise RuntimeError("no free port in the range")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    @property
    def peer(self) -> Peer:
        return self.server.peer

    def answer(self, status: int, document: dict | None = None) -> None:
        body = json.dumps(document).encode() if document is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/activity+json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.peer.received.append(Received("GET", self.path, dict(self.headers), b""))
        for account in self.peer.accounts.values():
            if self.path == account.id.removeprefix(self.peer.base):
                return self.answer(200, account.document())
        if self.path in self.peer.notes:
            return self.answer(200, self.peer.notes[self.path])
        return self.answer(404, {"error": "Record not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.peer.received.append(Received("POST", self.path, dict(self.headers), body))
        self.answer(self.peer.inbox_status)
