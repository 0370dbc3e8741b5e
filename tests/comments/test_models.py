"""The comment model: what the public sees, threading depth, safe links, avatars."""

import pytest

from comments.models import Comment
from comments.section.avatars import avatar_for
from comments.templatetags.comment_text import avatar
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def test_approved_and_pending_querysets_split_by_status(seed_article):
    """approved() and pending() each return only their own status, like their instance twin."""
    by_status = {
        status: CommentFactory(article=seed_article, status=status) for status in Comment.Status
    }
    assert list(Comment.objects.approved()) == [by_status["approved"]]
    assert list(Comment.objects.pending()) == [by_status["pending"]]
    assert [c.is_approved() for c in by_status.values()] == [False, True, False, False]


def test_depth_follows_the_parent():
    """A comment is at depth 1, a reply one deeper than what it answers."""
    top = CommentFactory()
    reply = CommentFactory(article=top.article, parent=top)
    reply_to_reply = CommentFactory(article=top.article, parent=reply)
    assert [top.depth, reply.depth, reply_to_reply.depth] == [1, 2, 3]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://maya.example/", "https://maya.example/"),
        ("http://maya.example/", "http://maya.example/"),
        ("javascript:alert(1)", ""),
        ("JavaScript:alert(1)", ""),
        ("data:text/html,<script>alert(1)</script>", ""),
        ("ftp://files.example/", ""),
        ("", ""),
    ],
)
def test_safe_url_only_passes_web_addresses(url, shown):
    """Only http and https addresses are ever linked, whatever was stored."""
    assert CommentFactory.build(author_url=url).safe_url == shown


def test_avatar_is_initials_and_one_of_twelve_colours():
    """All an avatar carries is the name's initials and a colour index."""
    comment = CommentFactory(author_name="maya okafor-smith jr")
    assert avatar(comment).initials == "MO"
    assert avatar(comment).colour in range(12)
    assert avatar_for("").initials == "?"


def test_avatar_needs_no_decrypted_email(django_assert_num_queries):
    """The avatar comes from the name alone, so a page can leave the address encrypted."""
    CommentFactory(author_name="Maya Okafor")
    comment = Comment.objects.defer("author_email").get()
    with django_assert_num_queries(0):
        assert avatar(comment).initials == "MO"


def test_two_people_with_one_name_look_alike_whatever_their_emails():
    """An avatar cannot tell a guessed address from a wrong one: the email plays no part."""
    avatars = {
        avatar(CommentFactory(author_name="Robin Gray", author_email=email))
        for email in ("robin@example.org", "r.gray@example.net", "ROBIN@EXAMPLE.ORG")
    }
    assert len(avatars) == 1


def test_one_email_under_several_names_is_not_linked_by_colour():
    """The same address under different names gets the colours of those names, not its own."""
    email = "same.person@example.org"
    names = [f"Writer {letter}" for letter in "ABCDEFGHIJ"]
    colours = {
        avatar(CommentFactory(author_name=name, author_email=email)).colour for name in names
    }
    assert len(colours) > 1
    assert all(
        avatar(CommentFactory(author_name=name, author_email=email)) == avatar_for(name)
        for name in names
    )


def test_str_and_url(seed_article):
    """A comment reads as who wrote it where, and links to its permalink."""
    comment = CommentFactory(article=seed_article, author_name="Maya")
    assert str(comment) == f"Comment by Maya on {seed_article.title}"
    assert comment.get_absolute_url() == f"/comments/{comment.pk}/"
    assert comment.get_full_url() == f"http://127.0.0.1:8000/comments/{comment.pk}/"


def test_by_email_finds_a_commenters_comments_whatever_the_case():
    """Look-ups by email ignore case and surrounding spaces, and nobody else's comments match."""
    mine = CommentFactory(author_email="Maya.Okafor@Example.net")
    CommentFactory(author_email="someone.else@example.net")
    assert list(Comment.objects.by_email("  maya.okafor@example.NET ")) == [mine]
