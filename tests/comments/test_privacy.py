"""No response to anyone but staff ever carries a commenter's email, or a hash of it."""

import hashlib
from collections import deque
from urllib.parse import quote, urldefrag, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from comments.encryption import email_hashes
from comments.models import Comment
from tests.conftest import DISCUSSION_EMAILS, post_as, reader

pytestmark = pytest.mark.django_db

EMAILS = DISCUSSION_EMAILS


def fingerprints(email: str) -> set[str]:
    """The email as typed, lowercased, quoted, md5/sha1/sha256'd, and as our hash and token."""
    forms = {email, email.lower(), email.strip().lower()}
    found = set(forms) | {quote(form) for form in forms}
    for form in forms:
        for name in ("md5", "sha1", "sha256"):
            digest = hashlib.new(name, form.encode()).hexdigest()
            found |= {digest, digest.upper()}
    found |= set(email_hashes(email))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT author_email FROM {Comment._meta.db_table} WHERE author_email_hash IN "
            f"({', '.join(['%s'] * len(email_hashes(email)))})",
            email_hashes(email),
        )
        found |= {token for (token,) in cursor.fetchall()}
    return found


def text_of(response) -> str:
    """Headers and body of a response, streamed (static files) or not."""
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode(errors="replace")
    headers = "\n".join(f"{key}: {value}" for key, value in response.headers.items())
    return f"{headers}\n\n{body}"


def links(text: str) -> set[str]:
    """Every address a page points to: links, stylesheets, scripts and images."""
    soup = BeautifulSoup(text, "html.parser")
    found = set()
    for tag, attribute in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
        for element in soup.find_all(tag):
            if value := element.get(attribute):
                found.add(value)
    return found


def crawl(client: Client, start: list[str]) -> dict[str, str]:
    """Fetch every page reachable from ``start`` on this site, following redirects."""
    seen: dict[str, str] = {}
    queue = deque(start)
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path, follow=True)
        seen[path] = text_of(response)
        if "html" not in response.get("Content-Type", ""):
            continue
        for href in links(seen[path]):
            absolute = urljoin(f"{settings.SITE_URL}{path}", urldefrag(href).url)
            parts = urlsplit(absolute)
            if f"{parts.scheme}://{parts.netloc}" != settings.SITE_URL:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                queue.append(target)
    return seen


def assert_no_email(texts: dict[str, str]) -> None:
    secrets = set().union(*(fingerprints(email) for email in EMAILS))
    for path, text in texts.items():
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"{path} leaks {leaked}"


def test_crawl_of_every_public_page_finds_no_email_or_hash(discussion):
    """Home, article, reply pages, feeds, sitemap, robots, static files, 404, admin login."""
    client = Client()
    feeds = ["/feed/", "/feed/atom/", "/comments/feed/", f"{discussion.get_absolute_url()}feed/"]
    start = ["/", "/no-such-page/", "/admin/", "/articles/nope/", "/sitemap.xml", "/robots.txt"]
    start.append("/healthz")
    responses = crawl(client, start + feeds)
    assert discussion.get_absolute_url() in responses
    assert all("<entry>" in responses[feed] or "<item>" in responses[feed] for feed in feeds)
    assert discussion.get_absolute_url() in responses["/sitemap.xml"]
    assert any("replytocom" in path for path in responses)
    assert any(path.startswith("/static/") for path in responses)
    assert_no_email(responses)


def test_commenter_with_held_comment_sees_no_email_either(client, discussion):
    """The author of a held comment sees it, without their email anywhere in the page."""
    post_as(
        client, discussion, {"author_name": "Held", "author_email": EMAILS[2], "body": "Waiting."}
    )
    page = client.get(discussion.get_absolute_url())
    assert "Your comment is awaiting moderation." in page.content.decode()
    assert_no_email({"own view": text_of(page), **crawl(client, ["/"])})


def test_error_pages_do_not_echo_other_commenters(client, discussion):
    """A failed post, a refused post and a CSRF failure show nobody else's email."""
    url = reverse("comments:post", args=[discussion.slug])
    invalid = client.post(url, {"author_name": "", "author_email": "x@y.example", "body": "Hi"})
    discussion.comments_open = False
    discussion.save()
    closed = client.post(url, {"author_name": "A", "author_email": "x@y.example", "body": "Hi"})
    cross_site = Client(headers={"Sec-Fetch-Site": "cross-site"}).post(url, {"body": "Hi"})
    assert [invalid.status_code, closed.status_code, cross_site.status_code] == [400, 403, 403]
    assert_no_email(
        {"invalid": text_of(invalid), "closed": text_of(closed), "cross-site": text_of(cross_site)}
    )


def test_the_avatar_on_ones_own_held_comment_says_nothing_of_the_email(seed_article):
    """
    Posting under a guessed address and reading one's own held copy's avatar learns nothing.

    The colour once came from a keyed hash of the email: a right guess and a wrong
    one showed different colours. Now both show the colour of the name typed.
    """
    avatars = []
    for email in ["victim@example.org", "wrong.guess@example.org", "VICTIM@EXAMPLE.ORG"]:
        browser = reader()
        data = {"author_name": "Robin Gray", "author_email": email, "body": f"Test {email}"}
        response = post_as(browser, seed_article, data)
        own = BeautifulSoup(browser.get(response["Location"]).content, "html.parser")
        avatars.append(str(own.select_one(".comment-awaiting-moderation").find_previous(
            class_="avatar")))  # fmt: skip
    assert len(set(avatars)) == 1
