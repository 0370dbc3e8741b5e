"""Submitting the comment form: held for moderation, seen by its author only, bad input."""

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from tests.conftest import reader
from tests.factories import ArticleFactory, CommentFactory

CANNOT_SEND = "We cannot send email to this address as it is written"

pytestmark = pytest.mark.django_db

COOKIE_NAME = settings.COMMENTS_PENDING_COOKIE


def form_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser").select_one("#commentform")


def test_valid_comment_is_held_and_redirects_to_its_anchor(
    post_comment, comment_data, seed_article
):
    """POST, then 302 to the article at #comment-ID; the comment is stored as pending."""
    response = post_comment(comment_data, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Firefox/140")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{seed_article.get_absolute_url()}#comment-{comment.pk}"
    assert comment.status == Comment.Status.PENDING
    assert comment.held_reason == "Every new comment is held for moderation."
    assert (comment.author_name, comment.author_email) == ("Maya Okafor", "maya.okafor@example.net")
    assert comment.ip_address == "203.0.113.7"
    assert comment.user_agent == "Firefox/140"


def test_author_sees_their_held_comment_and_nobody_else_does(
    client, post_comment, comment_data, seed_article
):
    """The author's page shows it awaiting moderation; another reader's page does not."""
    post_comment(comment_data)
    comment = Comment.objects.get()
    own = client.get(seed_article.get_absolute_url())
    item = BeautifulSoup(own.content, "html.parser").select_one(f"#comment-{comment.pk}")
    assert "This helped with my night cramps." in item.get_text()
    notice = item.select_one(".comment-awaiting-moderation")
    assert notice.get_text() == "Your comment is awaiting moderation."
    assert notice["role"] == "status"
    assert own["Cache-Control"] == "private, no-store"
    assert not own.has_header("ETag")  # Never the copy every reader shares.

    other = reader().get(seed_article.get_absolute_url())
    assert "night cramps" not in other.content.decode()
    assert other["Cache-Control"].startswith("public")  # The shared page (blog/shared_pages.py).


def test_pending_cookie_is_signed_httponly_and_cannot_be_forged(
    client, post_comment, comment_data, seed_article
):
    """The cookie is HttpOnly and SameSite; a hand-made or altered one shows nothing."""
    post_comment(comment_data)
    comment = Comment.objects.get()
    cookie = client.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"

    forger = Client()
    for value in (str(comment.pk), cookie.value.replace(str(comment.pk), str(comment.pk + 1))):
        forger.cookies[COOKIE_NAME] = value
        assert "night cramps" not in forger.get(seed_article.get_absolute_url()).content.decode()


def test_cookie_of_one_article_does_not_show_held_comments_elsewhere(
    client, post_comment, comment_data
):
    """The author's cookie only reveals their comment on the article it belongs to."""
    post_comment(comment_data)
    other_article = ArticleFactory()
    assert "night cramps" not in client.get(other_article.get_absolute_url()).content.decode()


def test_reply_is_stored_under_its_parent(post_comment, comment_data, seed_article):
    """A reply to an approved comment of the same article keeps its parent."""
    parent = CommentFactory(article=seed_article)
    post_comment({**comment_data, "parent": parent.pk})
    reply = Comment.objects.exclude(pk=parent.pk).get()
    assert reply.parent == parent and reply.depth == 2


@pytest.mark.parametrize("status", ["pending", "spam", "removed"])
def test_reply_to_an_unapproved_comment_is_refused_with_text_kept(
    post_comment, comment_data, seed_article, status
):
    """The parent must be approved; the reader is told and keeps what they typed."""
    parent = CommentFactory(article=seed_article, status=status)
    response = post_comment({**comment_data, "parent": parent.pk})
    assert response.status_code == 400
    summary = BeautifulSoup(response.content, "html.parser").select_one("#error-summary")
    assert "no longer available" in summary.get_text()
    assert form_of(response).select_one("#id_body").get_text().strip() == comment_data["body"]
    assert Comment.objects.count() == 1


def test_reply_to_a_comment_of_another_article_is_refused(post_comment, comment_data):
    """A parent from another article is not accepted."""
    elsewhere = CommentFactory()
    response = post_comment({**comment_data, "parent": elsewhere.pk})
    assert response.status_code == 400
    assert Comment.objects.count() == 1


def test_reply_beyond_the_deepest_level_joins_the_last_level(
    post_comment, comment_data, seed_article, settings
):
    """A forged reply to the deepest comment is attached beside it, not deeper."""
    settings.COMMENTS_THREAD_DEPTH = 2
    top = CommentFactory(article=seed_article)
    deepest = CommentFactory(article=seed_article, parent=top)
    post_comment({**comment_data, "parent": deepest.pk})
    reply = Comment.objects.order_by("pk").last()
    assert reply.parent == top and reply.depth == 2


def test_the_form_has_labels_limits_and_hints(client, seed_article):
    """Labels, required and maxlength attributes, autocomplete hints and the privacy link."""
    form = form_of(client.get(seed_article.get_absolute_url()))
    expected = {
        "body": ("Comment*", True, "5000", None),
        "author_name": ("Name*", True, "100", "name"),
        "author_email": ("Email*", True, "254", "email"),
        "author_url": ("Website", False, "200", "url"),
    }
    for name, (label, required, maxlength, autocomplete) in expected.items():
        field = form.select_one(f"[name={name}]")
        assert form.select_one(f"label[for={field['id']}]").get_text(strip=True) == label
        assert field.has_attr("required") is required
        assert field["maxlength"] == maxlength
        assert field.get("autocomplete") == autocomplete
    email = form.select_one("[name=author_email]")
    assert email["aria-describedby"] == "email-notes"
    assert form.select_one("#email-notes").get_text() == "Your email address will not be published."
    remember = form.select_one("input[type=checkbox][name=remember]")
    assert form.select_one(f"label[for={remember['id']}]").get_text(strip=True) == (
        "Save my name, email, and website in this browser for the next time I comment."
    )
    assert form.select_one("input[type=submit]")["value"] == "Post Comment"


def test_remember_details_never_reach_the_server_as_a_cookie(
    client, post_comment, comment_data, seed_article
):
    """Ticking "save my details" sets no cookie holding them; the page never echoes the email."""
    post_comment({**comment_data, "remember": "on"})
    for morsel in client.cookies.values():
        assert "maya" not in morsel.value.lower()
    assert "maya.okafor" not in client.get(seed_article.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("author_name", "", "Please enter your name."),
        ("author_name", "   \t ", "Please enter your name."),
        ("author_name", "n" * 101, "Please shorten your name to 100 characters (it has 101)."),
        ("author_email", "", "Please enter your email address; it will not be published."),
        ("author_email", "not-an-email", "Please enter a valid email address"),
        ("author_email", "a" * 250 + "@example.org", "at most 254 characters"),
        # Look-alikes Django's validator lets through, which no mailer here can write to.
        ("author_email", "\u017fam@example.org", CANNOT_SEND),
        ("author_email", "\u212aate@example.org", CANNOT_SEND),
        ("author_email", "\u0131van@example.org", CANNOT_SEND),
        ("author_email", "sam@stra\u00dfe.example", CANNOT_SEND),
        ("author_email", "sam@\uff45xample.org", CANNOT_SEND),
        ("author_email", "sam@example\u3002org", "Please enter a valid email address"),
        ("author_email", "sam@EX\u00c4MPLE.org", CANNOT_SEND),
        ("author_url", "javascript:alert(1)", "starting with http:// or https://"),
        ("author_url", "ftp://files.example/", "starting with http:// or https://"),
        ("author_url", "https://x.example/" + "a" * 200, "at most 200 characters"),
        ("body", "", "Please write your comment."),
        ("body", "\n\n   \n", "Please write your comment."),
        ("body", "b" * 5001, "Please shorten your comment to 5000 characters (it has 5001)."),
        ("body", "é" * 9000, "Please shorten your comment to 5000 characters (it has 9000)."),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_text_is_kept(
    post_comment, comment_data, field, value, message
):
    """400, the message next to the field and in the summary, every typed value given back."""
    data = {**comment_data, field: value}
    response = post_comment(data)
    assert response.status_code == 400
    assert Comment.objects.count() == 0
    form = form_of(response)
    widget = form.select_one(f"[name={field}]")
    assert widget["aria-invalid"] == "true"
    error = form.select_one(f"#id_{field}_error")
    assert message in error.get_text()
    assert f"id_{field}_error" in widget["aria-describedby"].split()
    summary = form.select_one("#error-summary")
    assert message in summary.get_text()
    assert summary.select_one(f"a[href='#id_{field}']") is not None
    for name, typed in data.items():
        if name in (field, "issued") or not typed:
            continue
        kept = form.select_one(f"[name={name}]")
        assert (kept.get("value") or kept.get_text().strip()) == typed


def test_a_200_kb_comment_is_refused_cleanly_before_it_is_read(post_comment, comment_data):
    """413 with a readable page; nothing stored (the form's maxlength stops honest readers)."""
    response = post_comment({**comment_data, "body": "b" * 200_000})
    assert response.status_code == 413
    assert "shorten your comment" in response.content.decode()
    assert Comment.objects.count() == 0


def test_form_errors_send_the_reader_back_to_the_form(client, seed_article):
    """
    The form posts to a URL without a fragment, so the error summary's autofocus works.

    Browsers skip autofocus on a page whose URL fragment names an element; the
    focused summary scrolls itself into view (tests/e2e proves it in Chromium).
    """
    form = form_of(client.get(seed_article.get_absolute_url()))
    assert form["action"].endswith("/comments/")


def test_control_characters_are_stripped_and_unicode_kept(post_comment, comment_data):
    """NUL, bell and escape go; emoji, accents and right-to-left text stay."""
    post_comment(
        {
            **comment_data,
            "author_name": "Zoë \x00\x07Ωmega",
            "body": "שלום 👍🏽 family 👨‍👩‍👧\x1b[31m red\r\nnext line\x7f",
        }
    )
    comment = Comment.objects.get()
    assert comment.author_name == "Zoë Ωmega"
    assert Comment.objects.get().body.count("\n") == 1
    assert comment.body == "שלום 👍🏽 family 👨‍👩‍👧[31m red\nnext line"


def test_markup_in_a_comment_is_stored_as_typed_and_shown_as_text(
    client, post_comment, comment_data, seed_article
):
    """Tags are neither stripped nor interpreted: the reader sees what was typed."""
    typed = '<img src=x onerror="alert(1)"> <a href="https://x.example">link</a>'
    post_comment({**comment_data, "body": typed})
    comment = Comment.objects.get()
    comment.status = Comment.Status.APPROVED
    comment.save()
    page = client.get(seed_article.get_absolute_url()).content.decode()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<img src=x" not in page


def test_post_to_closed_comments_is_refused_with_403(post_comment, comment_data, seed_article):
    """Closed comments: 403, "Comments are closed.", the typed text given back, nothing stored."""
    seed_article.comments_open = False
    seed_article.save()
    response = post_comment(comment_data)
    assert response.status_code == 403
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".refusal").get_text() == "Comments are closed."
    assert soup.select_one("textarea#typed-comment").get_text() == comment_data["body"]
    assert Comment.objects.count() == 0


def test_post_to_an_unpublished_or_unknown_article_is_404(post_comment, comment_data):
    """Comments can only be left on what the public can read."""
    draft = ArticleFactory(status="draft")
    assert post_comment(comment_data, article=draft).status_code == 404
    assert Comment.objects.count() == 0


def test_get_on_the_post_address_is_refused(client, seed_article):
    """The form's address only takes POST."""
    assert client.get(reverse("comments:post", args=[seed_article.slug])).status_code == 405


def test_one_line_fields_fold_line_breaks_and_tabs(post_comment, comment_data):
    """A name typed or pasted across lines is stored on one line, single-spaced."""
    post_comment({**comment_data, "author_name": "  Maya\r\n\tOkafor \n"})
    assert Comment.objects.get().author_name == "Maya Okafor"
