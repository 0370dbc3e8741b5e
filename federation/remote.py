"""
What the site fetches from the fediverse, and how it reads it: actors and their keys,
the objects of replies. Every request goes through ``lib.outbound.fetch`` (public
addresses only, bounded) and is signed with the blog's key, as servers in
Mastodon's "secure mode" require. Each failure raises ``Unreachable``.

Remote HTML becomes our plain text here (``note_text``): paragraphs and line
breaks kept, mentions and hashtags as their text, other links as their address,
so that our own rules make links of them; nothing else of it survives.
"""

import json
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from federation import conf
from federation.models import RemoteActor, site_key
from federation.signatures import sign
from lib.outbound import Refused, fetch
from lib.text import strip_control_characters

AS_JSON = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
AS_TYPES = ("application/activity+json", "application/ld+json", "application/json")


class Unreachable(Exception):
    """What was asked for could not be fetched, or is not what it should be."""


def get_json(url: str) -> dict:
    """A remote ActivityStreams document, fetched signed; ``Unreachable`` otherwise."""
    key = site_key()
    headers = {"Accept": AS_JSON, **sign("GET", url, conf.key_id(), key.private_key_pem)}
    try:
        response = fetch(
            url,
            headers=headers,
            max_bytes=conf.FETCH_MAX_BYTES,
            timeout=conf.FETCH_TIMEOUT_SECONDS,
            follow_redirects=False,
        )
    except Refused as error:
        raise Unreachable(error.sentence) from error
    if response.status != 200:
        raise Unreachable(f"{url} answered {response.status}.")
    if response.content_type not in AS_TYPES:
        raise Unreachable(f"{url} is not ActivityStreams JSON.")
    try:
        document = json.loads(response.body)
    except ValueError as error:
        raise Unreachable(f"{url} is not JSON.") from error
    if not isinstance(document, dict):
        raise Unreachable(f"{url} is not an object.")
    return document


def same_origin(first: str, second: str) -> bool:
    one, two = urlsplit(first), urlsplit(second)
    return (one.scheme, one.netloc) == (two.scheme, two.netloc)


def text(value, limit: int) -> str:
    return strip_control_characters(value if isinstance(value, str) else "")[:limit]


def web_url(value) -> str:
    """A web address given as text, a Link or a list of them; "" unless we can keep it whole."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | dict)), "")
    if isinstance(value, dict):
        value = value.get("href", "")
    if not isinstance(value, str) or len(value) > 500 or not value.isprintable() or " " in value:
        return ""
    return value if urlsplit(value).scheme in ("http", "https") else ""


def fetch_actor(actor_url: str, key_id: str | None = None) -> RemoteActor:
    """
    The actor at ``actor_url`` as its server has it now, not saved (``remember`` saves it).

    The key must be the actor's own (its ``publicKey.owner`` the actor) and,
    given ``key_id``, that one; its inbox on the actor's server; or ``Unreachable``.
    """
    document = get_json(actor_url)
    actor_id = document.get("id")
    if actor_id != actor_url:
        raise Unreachable("The actor's document has another id than its address.")
    public_key = document.get("publicKey")
    if isinstance(public_key, list):
        public_key = next((k for k in public_key if isinstance(k, dict)), None)
    if not isinstance(public_key, dict) or public_key.get("owner") != actor_id:
        raise Unreachable("The actor has no public key of its own.")
    if key_id is not None and public_key.get("id") != key_id:
        raise Unreachable("The actor does not have that key.")
    if not web_url(public_key.get("id")):
        raise Unreachable("The actor's key has no usable id.")
    pem, inbox = public_key.get("publicKeyPem"), web_url(document.get("inbox"))
    if not isinstance(pem, str) or not inbox or not same_origin(inbox, actor_id):
        raise Unreachable("The actor has no key or no inbox on its server.")
    endpoints = document.get("endpoints")
    shared = web_url(endpoints.get("sharedInbox")) if isinstance(endpoints, dict) else ""
    username = text(document.get("preferredUsername"), 100) or "someone"
    return RemoteActor(
        url=actor_id,
        key_id=public_key["id"],
        public_key_pem=pem,
        inbox=inbox,
        shared_inbox=shared if same_origin(shared, actor_id) else "",
        handle=f"@{username}@{urlsplit(actor_id).netloc}"[:300],
        name=" ".join(text(document.get("name"), 200).split())[:100] or username,
        profile_url=web_url(document.get("url")) or actor_id,
    )


def remember(actor: RemoteActor) -> RemoteActor:
    """Keep what we fetched of an actor whose signature it verified: the row, new or updated."""
    fields = {
        name: getattr(actor, name)
        for name in ("key_id", "public_key_pem", "inbox", "shared_inbox", "handle", "name")
    }
    fields |= {"profile_url": actor.profile_url, "fetched_at": timezone.now()}
    with transaction.atomic():
        kept, _ = RemoteActor.objects.update_or_create(url=actor.url, defaults=fields)
    return kept


class _NoteText(HTMLParser):
    BLOCKS = {"p", "div", "blockquote", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str, int, bool]] = []
        self.hidden = 0  # inside <script> or <style>: not text anyone wrote to be read

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style"):
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a":
            classes = (attributes.get("class") or "").split()
            keep_text = bool({"mention", "hashtag"} & set(classes))
            self.links.append((web_url(attributes.get("href") or ""), len(self.parts), keep_text))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            href, start, keep_text = self.links.pop()
            shown = "".join(self.parts[start:]).strip()
            if href and not keep_text and shown != href:
                # A link becomes its address, which our rules make a link (ours) again.
                self.parts[start:] = [f"{shown} ({href})" if shown else href]

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def note_text(html: str) -> str:
    """A remote Note's HTML as our plain text (see the module's docstring)."""
    parser = _NoteText()
    parser.feed(html)
    parser.close()
    raw = strip_control_characters("".join(parser.parts))
    paragraphs = [
        "\n".join(" ".join(line.split()) for line in p.split("\n")) for p in raw.split("\n\n")
    ]
    return "\n\n".join(p.strip() for p in paragraphs if p.strip())
