import json
import re
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, ConfirmedBrowser, Mailbox
from tests.conftest import post_as

# The moderation queue, and the statuses its tests move comments between.
CHANGELIST = reverse("admin:comments_comment_changelist")
PENDING, APPROVED, SPAM, REMOVED = (
    Comment.Status.PENDING,
    Comment.Status.APPROVED,
    Comment.Status.SPAM,
    Comment.Status.REMOVED,
)


def messages_of(response) -> list[str]:
    """The admin messages a followed response shows, in order."""
    return [str(message) for message in response.context["messages"]]


VALID = {
    "author_name": "Maya Okafor",
    "author_email": "maya.okafor@example.net",
    "author_url": "",
    "body": "This helped with my night cramps.",
}


@pytest.fixture
def comment_data() -> dict[str, str]:
    """What an honest reader types into the form."""
    return dict(VALID)


@pytest.fixture
def post_comment(client, seed_article):
    """Submit the comment form of the seed article as the test client's browser, script on."""

    def post(data: dict[str, str], article=None, **kwargs):
        return post_as(client, article or seed_article, data, **kwargs)

    return post


def links_in(message, kind: str) -> list[str]:
    """The site's links of one kind ("confirm" or "unsubscribe") in an email's body, in order."""
    return re.findall(rf"https?://\S+/comments/email/{kind}/\S+/", message.body)


def path_of(url: str) -> str:
    return urlsplit(url).path


def follow_confirmation(client: Client, message):
    """Open the email's confirmation link and press its button, as its reader would."""
    [link] = links_in(message, "confirm")
    assert client.get(path_of(link)).status_code == 200
    response = client.post(path_of(link))
    assert response.status_code == 200
    return response


def confirmed_mailbox(email: str, *browsers: str) -> Mailbox:
    """An address whose owner already confirmed it, from browsers with these trust keys."""
    mailbox = Mailbox.objects.create(email=email, confirmed_at=timezone.now())
    for key in browsers:
        ConfirmedBrowser.objects.create(mailbox=mailbox, trust_key=key)
    return mailbox


def tampered(token: str, change) -> str:
    """A signed token whose payload a stranger edited, keeping its signature."""
    payload, rest = token.split(":", 1)
    compressed = payload.startswith(".")
    data = json.loads(signing.b64_decode(payload.lstrip(".").encode()))
    encoded = signing.b64_encode(json.dumps(change(data), separators=(",", ":")).encode())
    return ("." if compressed else "") + encoded.decode() + ":" + rest
