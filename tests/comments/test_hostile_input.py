"""Arbitrary and hostile input through the form: never a 500, never stored raw, always inert."""

import re
import unicodedata

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comments.models import Comment
from lib.text import strip_control_characters
from tests.comments.conftest import follow_confirmation
from tests.conftest import fresh_stamp, text_of

pytestmark = pytest.mark.django_db

XSS_VECTORS = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "javascript:alert(1)",
    "<a href='javascript:alert(1)'>x</a>",
    "<body onload=alert(1)>",
    "<style>*{display:none}</style>",
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    "{{ 7*7 }} {% debug %}",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "'';!--\"<XSS>=&{()}",
    "<div style=\"background:url('javascript:alert(1)')\">",
    "\u202egnp.exe<script>",
    # Bare web addresses become links: none may break out of its href.
    'https://example.com/"><script>alert(1)</script>',
    'https://example.com/"onmouseover="alert(1)',
    "http://example.com/'onclick='alert(1)'",
    "https://example.com/<img src=x onerror=alert(1)>",
    "javascript:alert(1)//https://example.com/",
    "https://javascript:alert(1)@example.com/",
]

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300)


def stored_is_clean(value: str) -> bool:
    """No control character but newline and tab survives into the database."""
    return all(ch in "\n\t" or unicodedata.category(ch) != "Cc" for ch in value)


def script_and_handler_count(html: bytes) -> tuple[int, int]:
    soup = BeautifulSoup(html, "html.parser")
    handlers = sum(
        1 for tag in soup.find_all(True) for name in tag.attrs if name.lower().startswith("on")
    )
    return len(soup.find_all(["script", "iframe", "svg", "math", "style"])), handlers


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=text, email=text, url=text, body=text)
def test_arbitrary_unicode_never_causes_a_500(client, seed_article, name, email, url, body):
    """Any text in any field: a redirect, a form error or a refusal, and clean storage."""
    response = client.post(
        reverse("comments:post", args=[seed_article.slug]),
        {
            "author_name": name,
            "author_email": email,
            "author_url": url,
            "body": body,
            "issued": fresh_stamp(client),
        },
    )
    assert response.status_code in {302, 400, 409}
    for comment in Comment.objects.all():
        for value in (comment.author_name, comment.author_email, comment.author_url, comment.body):
            assert stored_is_clean(value)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=text.filter(lambda value: strip_control_characters(value).strip()))
def test_any_approved_text_renders_as_inert_text(client, seed_article, body):
    """Whatever a reader typed reads back as the same text, with no markup of its own."""
    Comment.objects.all().delete()
    client.post(
        reverse("comments:post", args=[seed_article.slug]),
        {
            "author_name": "Fuzz",
            "author_email": "f@example.org",
            "body": body,
            "issued": fresh_stamp(client),
        },
    )
    comment = Comment.objects.get()
    comment.status = Comment.Status.APPROVED
    comment.save()
    page = client.get(seed_article.get_absolute_url())
    assert page.status_code == 200
    content = BeautifulSoup(page.content, "html.parser").select_one(
        f"#comment-{comment.pk} .comment-content"
    )
    # Bare web addresses become links (tests/comments/test_links.py), nothing else.
    assert all(child.name in {"p", "br", "a", None} for child in content.descendants)
    for link in content.select("a"):
        assert link["href"] == link.get_text() and link["href"][:4].lower() == "http"
    shown = text_of(str(content)).replace("\n", "")
    assert shown == "".join(comment.body.split("\n"))


@pytest.fixture
def baseline(client, seed_article, superuser_client):
    """How many scripts and handlers the pages have with no hostile comment at all."""
    return {
        "page": script_and_handler_count(client.get(seed_article.get_absolute_url()).content),
        "admin": script_and_handler_count(
            superuser_client.get(reverse("admin:comments_comment_changelist")).content
        ),
    }


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_vectors_render_inert_in_the_page_and_the_admin(
    client, superuser_client, seed_article, baseline, vector
):
    """Each vector, in every field, adds no script, frame, handler or javascript: link."""
    client.post(
        reverse("comments:post", args=[seed_article.slug]),
        {
            "author_name": vector[:100],
            "author_email": "x@example.org",
            "body": vector,
            "issued": fresh_stamp(client),
        },
    )
    # The form only takes http(s) websites; store the vector there anyway, as an
    # import or a bug elsewhere might, to prove the page never links it.
    Comment.objects.update(status=Comment.Status.APPROVED, author_url=vector[:200])
    comment = Comment.objects.get()

    page = client.get(seed_article.get_absolute_url())
    assert script_and_handler_count(page.content) == baseline["page"]
    soup = BeautifulSoup(page.content, "html.parser")
    assert all(
        not a["href"].lower().lstrip().startswith("javascript:") for a in soup.select("a[href]")
    )
    assert vector in soup.select_one(f"#comment-{comment.pk} .comment-content").get_text()

    changelist = superuser_client.get(reverse("admin:comments_comment_changelist"))
    assert script_and_handler_count(changelist.content) == baseline["admin"]
    change = superuser_client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
    assert change.status_code == 200
    assert b"<script>alert(1)</script>" not in change.content


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_vectors_stay_inert_in_every_email(
    client, seed_article, settings, mailoutbox, django_capture_on_commit_callbacks, vector
):
    """Moderator and approval emails are plain text only, with the vector as typed, in no header."""
    from comments.moderation import change_status

    settings.MANAGERS = ["owner@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("comments:post", args=[seed_article.slug]),
            {
                "author_name": f"{vector[:80]}\r\nBcc: victim@example.org",
                "author_email": "x@example.org",
                "body": vector,
                "notify_on_approval": "on",
                "issued": fresh_stamp(client),
            },
        )
    comment = Comment.objects.get()
    [confirmation] = [m for m in mailoutbox if m.to == ["x@example.org"]]
    follow_confirmation(client, confirmation)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED)

    assert len(mailoutbox) == 3
    for message in mailoutbox:
        assert message.content_subtype == "plain"
        assert not getattr(message, "alternatives", None) and not message.attachments
        headers = message.message().as_string().split("\n\n", 1)[0]
        # A Bcc header, not the letters: a random unsubscribe token may hold "Bcc".
        assert "victim@example.org" not in headers
        assert not re.search(r"^Bcc:", headers, re.MULTILINE | re.IGNORECASE)
        if message is not confirmation:
            assert vector[:80] in message.body
