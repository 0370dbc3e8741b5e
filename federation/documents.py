"""
The JSON documents the fediverse reads of the site: WebFinger, NodeInfo, the blog's
actor and collections, an article as an ``Article`` object, a reply from the site as a
``Note``, and the activities that carry them. Built on SITE_URL only.
"""

import hashlib
import json

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.urls import reverse
from django.utils.html import escape

from blog.models import Article, full_url
from comments.models import Comment
from federation import conf
from federation.models import site_key

CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
SOFTWARE = "relief-notes"


def webfinger() -> dict:
    return {
        "subject": f"acct:{conf.handle()}",
        "aliases": [conf.actor_url()],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": conf.actor_url()},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": full_url("/"),
            },
        ],
    }


def nodeinfo_links() -> dict:
    return {
        "links": [
            {
                "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                "href": full_url(reverse("federation:nodeinfo")),
            }
        ]
    }


def nodeinfo() -> dict:
    return {
        "version": "2.1",
        "software": {"name": SOFTWARE, "version": "0.1.0", "homepage": full_url("/")},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {
            "users": {"total": 1, "activeMonth": 1, "activeHalfyear": 1},
            "localPosts": Article.objects.published().count(),
        },
        "metadata": {"nodeName": settings.SITE_NAME},
    }


def actor() -> dict:
    url = conf.actor_url()
    return {
        "@context": CONTEXT,
        "id": url,
        "type": "Service",
        "preferredUsername": conf.username(),
        "name": settings.SITE_NAME,
        "summary": f"<p>{settings.SITE_NAME}: new articles, and replies to their readers.</p>",
        "url": full_url("/"),
        "inbox": conf.inbox_url(),
        "outbox": full_url(reverse("federation:outbox")),
        "followers": followers_url(),
        "endpoints": {"sharedInbox": conf.inbox_url()},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "icon": {
            "type": "Image",
            "mediaType": "image/svg+xml",
            "url": full_url(staticfiles_storage.url("img/favicon.svg")),
        },
        "publicKey": {
            "id": conf.key_id(),
            "owner": url,
            "publicKeyPem": site_key().public_key_pem,
        },
    }


def followers_url() -> str:
    return full_url(reverse("federation:followers"))


def collection(url: str, total: int, items: list | None = None) -> dict:
    document = {"@context": CONTEXT[0], "id": url, "type": "OrderedCollection", "totalItems": total}
    if items is not None:
        document["orderedItems"] = items
    return document


def article_object(article: Article) -> dict:
    url = article.get_full_url()
    return {
        "id": url,
        "type": "Article",
        "attributedTo": conf.actor_url(),
        "name": article.title,
        "summary": article.standfirst,
        "content": article.body_html,
        "url": url,
        "published": article.published_at.isoformat(),
        "updated": article.updated_at.isoformat(),
        "to": [PUBLIC],
        "cc": [followers_url()],
    }


def fingerprint(document: dict) -> str:
    """What changes when an object's content does (not its time stamps)."""
    shown = {k: v for k, v in document.items() if k not in ("updated", "published")}
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()


def activity(kind: str, document: dict, suffix: str) -> dict:
    """An activity of the blog's about ``document``, with an id of its own."""
    object_id = document["id"] if isinstance(document, dict) else document
    return {
        "@context": CONTEXT[0],
        "id": f"{object_id}#{suffix}",
        "type": kind,
        "actor": conf.actor_url(),
        "to": [PUBLIC],
        "cc": [followers_url()],
        "object": document,
    }


def site_reply_note(reply: Comment, in_reply_to: str, to: str) -> dict:
    url = reply.get_full_url()
    return {
        "id": url,
        "type": "Note",
        "attributedTo": conf.actor_url(),
        "inReplyTo": in_reply_to,
        "content": f"<p>{escape_text(reply.body)}</p>",
        "url": url,
        "published": reply.created_at.isoformat(),
        "to": [PUBLIC],
        "cc": [to],
        "tag": [{"type": "Mention", "href": to}],
    }


def escape_text(text: str) -> str:
    """Plain text as the HTML of one paragraph, line breaks kept."""
    return escape(text).replace("\n", "<br>")
