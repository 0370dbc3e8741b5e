"""The comment model: what the public sees, threading depth, safe links, avatars."""

import pytest

from comments.avatars import avatar_for
from comments.models import Comment
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
    """All an avatar carries is the name's initials and a colour index: nothing of the email."""
    comment = CommentFactory(author_name="maya okafor-smith jr")
    assert comment.avatar.initials == "MO"
    assert comment.avatar.colour in range(12)
    assert avatar_for("", comment.author_email_hash).initials == "?"


def test_avatar_needs_no_decrypted_email(django_assert_num_queries):
    """The avatar comes from the stored keyed hash, so a page can leave the address encrypted."""
    CommentFactory(author_name="Maya Okafor")
    comment = Comment.objects.defer("author_email").get()
    with django_assert_num_queries(0):
        assert comment.avatar.initials == "MO"


def test_avatar_colour_depends_on_the_site_secret(settings):
    """The same email gets another colour on a site with another secret key."""
    email_hash = CommentFactory().author_email_hash
    colours = set()
    for key in ("first-secret", "second-secret", "third-secret", "fourth-secret"):
        settings.SECRET_KEY = key
        colours.add(avatar_for("Maya", email_hash).colour)
    assert len(colours) > 1


def test_str_and_url(seed_article):
    """A comment reads as who wrote it where, and links to its anchor."""
    comment = CommentFactory(article=seed_article, author_name="Maya")
    assert str(comment) == f"Comment by Maya on {seed_article.title}"
    assert comment.get_absolute_url() == f"{seed_article.get_absolute_url()}#comment-{comment.pk}"


def test_by_email_finds_a_commenters_comments_whatever_the_case():
    """Look-ups by email ignore case and surrounding spaces, and nobody else's comments match."""
    mine = CommentFactory(author_email="Maya.Okafor@Example.net")
    CommentFactory(author_email="someone.else@example.net")
    assert list(Comment.objects.by_email("  maya.okafor@example.NET ")) == [mine]
