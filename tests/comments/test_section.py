"""The comment section as readers see it."""

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Comment
from tests.conftest import post_as, reader
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def section(client, article, **params) -> BeautifulSoup:
    response = client.get(article.get_absolute_url(), params)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select_one("#comments")


def test_no_comments_keeps_the_seed_words(client, seed_article):
    """With nothing approved the section reads exactly as the original page's."""
    CommentFactory(article=seed_article, status=Comment.Status.PENDING)
    soup = section(client, seed_article)
    assert soup.select_one("#comments-title").get_text(strip=True) == "Comments"
    assert soup.select_one(".no-comments").get_text() == (
        "No comments yet. Why don’t you start the discussion?"
    )
    assert soup.select_one("#reply-title").get_text(strip=True) == "Leave a Reply"
    assert soup.select_one(".comment-notes").get_text(" ", strip=True) == (
        "Your email address will not be published. Required fields are marked *"
    )
    assert soup.select(".comment") == []


def test_approved_comments_show_count_and_date_order(client, seed_article):
    """The heading counts approved comments; they are listed oldest first."""
    now = timezone.now()
    CommentFactory(article=seed_article, author_name="Second", created_at=now)
    CommentFactory(article=seed_article, author_name="First", created_at=now - timedelta(hours=1))
    CommentFactory(article=seed_article, author_name="Held", status=Comment.Status.PENDING)
    CommentFactory(article=seed_article, author_name="Junk", status=Comment.Status.SPAM)
    soup = section(client, seed_article)
    assert soup.select_one("#comments-title").get_text(strip=True) == "2 Comments"
    names = [n.get_text(strip=True) for n in soup.select(".comment-author")]
    assert names == ["First", "Second"]
    assert soup.select_one(".no-comments") is None


def test_one_comment_is_singular(client, seed_article):
    """One approved comment reads "1 Comment"."""
    CommentFactory(article=seed_article)
    assert section(client, seed_article).select_one("#comments-title").get_text() == "1 Comment"


def test_each_comment_has_name_time_permalink_and_avatar(client, seed_article):
    """Name, <time datetime>, a /comments/ID/ permalink and an initials avatar."""
    comment = CommentFactory(article=seed_article, author_name="Maya Okafor")
    item = section(client, seed_article).select_one(f"li#comment-{comment.pk}")
    assert item.select_one(".comment-author").get_text(strip=True) == "Maya Okafor"
    assert datetime.fromisoformat(
        item.select_one("time")["datetime"]
    ) == comment.created_at.replace(microsecond=0)
    assert item.select_one("a.comment-permalink")["href"] == f"/comments/{comment.pk}/"
    avatar = item.select_one(".avatar")
    assert avatar.get_text() == "MO"
    assert avatar.name == "span" and item.find("img") is None


def test_date_links_read_differently_for_each_comment(client, seed_article, settings):
    """
    Three comments in one minute: each date link's text (what a screen reader
    says) names its comment; the visible date says its time zone.
    """
    settings.TIME_ZONE = "Europe/London"
    moment = datetime(2026, 12, 5, 23, 53, tzinfo=UTC)
    comments = [
        CommentFactory(article=seed_article, author_name=name, created_at=moment)
        for name in ("Maya", "Sam", "Maya")
    ]
    links = section(client, seed_article).select("a.comment-permalink")
    spoken = [link.get_text() for link in links]
    assert len(set(spoken)) == 3, spoken
    assert spoken[0] == f"Comment {comments[0].pk} by Maya, 5 December 2026 at 23:53 GMT"
    assert [link.select_one("time").get_text() for link in links] == [
        "5 December 2026 at 23:53 GMT"
    ] * 3


def test_the_site_time_zone_names_itself_beside_each_date(client, seed_article, settings):
    """DJANGO_TIME_ZONE moves every date shown, and the zone is written beside it."""
    settings.TIME_ZONE = "America/New_York"
    CommentFactory(article=seed_article, created_at=datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    time = section(client, seed_article).select_one("a.comment-permalink time")
    assert time.get_text() == "1 July 2026 at 08:00 EDT"


def test_a_readers_own_held_comment_is_not_called_an_empty_discussion(client, seed_article):
    """The author sees their held comment and no "No comments yet"; everyone else sees it."""
    data = {"author_name": "Lee", "author_email": "lee@example.org", "body": "Waiting here."}
    assert post_as(client, seed_article, data).status_code == 302
    own = section(client, seed_article)
    assert "Waiting here." in own.get_text()
    assert own.select_one(".no-comments") is None
    assert section(reader(), seed_article).select_one(".no-comments") is not None


def test_author_website_is_linked_with_nofollow_ugc_noopener(client, seed_article):
    """A given website links the name; the link tells search engines it is user content."""
    comment = CommentFactory(article=seed_article, author_url="https://maya.example/")
    link = section(client, seed_article).select_one(f"#comment-{comment.pk} .comment-author a")
    assert link["href"] == "https://maya.example/"
    assert link["rel"] == ["nofollow", "ugc", "noopener"]


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,hi", "vbscript:msgbox(1)", "ftp://x.example/"]
)
def test_other_schemes_are_never_linked(client, seed_article, url):
    """Even if stored, a non-web address shows the name as plain text."""
    comment = CommentFactory(article=seed_article, author_url=url, author_name="Mallory")
    author = section(client, seed_article).select_one(f"#comment-{comment.pk} .comment-author")
    assert author.find("a") is None
    assert author.get_text(strip=True) == "Mallory"


def test_body_keeps_paragraphs_and_line_breaks_and_shows_markup_as_text(client, seed_article):
    """Blank lines make paragraphs, single newlines breaks; typed tags stay text."""
    CommentFactory(
        article=seed_article,
        body="First paragraph.\n\nSecond line one\nline two <b>bold</b> <script>x()</script>",
    )
    content = section(client, seed_article).select_one(".comment-content")
    paragraphs = content.find_all("p")
    # get_text() drops the <br>, which is asserted on its own below.
    assert [p.get_text() for p in paragraphs] == [
        "First paragraph.",
        "Second line oneline two <b>bold</b> <script>x()</script>",
    ]
    assert paragraphs[1].find("br") is not None
    assert content.find("b") is None and content.find("script") is None


def test_replies_nest_under_their_parent(client, seed_article):
    """A reply is listed inside its parent's children list."""
    parent = CommentFactory(article=seed_article, author_name="Parent")
    reply = CommentFactory(article=seed_article, parent=parent, author_name="Child")
    soup = section(client, seed_article)
    nested = soup.select_one(f"#comment-{parent.pk} > ol.children > li#comment-{reply.pk}")
    assert nested is not None
    assert len(soup.select("ol.comment-list > li")) == 1


def test_reply_links_stop_at_the_configured_depth(client, seed_article, settings):
    """Comments at the deepest level have no Reply link; shallower ones do."""
    settings.COMMENTS_THREAD_DEPTH = 3
    chain = [CommentFactory(article=seed_article)]
    for _ in range(2):
        chain.append(CommentFactory(article=seed_article, parent=chain[-1]))
    soup = section(client, seed_article)
    has_reply = [
        soup.select_one(f"#comment-{c.pk} > .comment-body .comment-reply-link") is not None
        for c in chain
    ]
    assert has_reply == [True, True, False]


def test_reply_link_works_without_javascript(client, seed_article):
    """?replytocom chooses the parent, names it in the heading, and offers Cancel reply."""
    parent = CommentFactory(article=seed_article, author_name="Maya")
    soup = section(client, seed_article)
    link = soup.select_one(f"#comment-{parent.pk} .comment-reply-link")
    assert link["href"] == f"{seed_article.get_absolute_url()}?replytocom={parent.pk}#respond"

    soup = section(client, seed_article, replytocom=parent.pk)
    assert soup.select_one("#reply-title").get_text(strip=True) == "Leave a Reply to Maya"
    assert soup.select_one("input[name=parent]")["value"] == str(parent.pk)
    cancel = soup.select_one("#cancel-comment-reply-link")
    assert cancel.get_text() == "Cancel reply"
    assert cancel.parent.get("hidden") is None
    assert cancel["href"] == f"{seed_article.get_absolute_url()}#respond"


@pytest.mark.parametrize("value", ["999999", "abc", ""])
def test_replytocom_for_an_unknown_comment_is_ignored(client, seed_article, value):
    """A stale or made-up reply target shows the ordinary form."""
    soup = section(client, seed_article, replytocom=value)
    assert soup.select_one("#reply-title").get_text(strip=True) == "Leave a Reply"
    assert soup.select_one("input[name=parent]").get("value") is None


def test_replytocom_cannot_target_a_held_comment(client, seed_article):
    """Replying is only offered to approved comments."""
    held = CommentFactory(article=seed_article, status=Comment.Status.PENDING)
    soup = section(client, seed_article, replytocom=held.pk)
    assert soup.select_one("#reply-title").get_text(strip=True) == "Leave a Reply"


def test_nobody_else_sees_pending_spam_or_removed_comments(client, seed_article):
    """Only approved comments reach the public page."""
    for status in ("pending", "spam", "removed"):
        CommentFactory(article=seed_article, status=status, body=f"secret {status} text")
    content = client.get(seed_article.get_absolute_url()).content.decode()
    assert "secret" not in content


def test_query_count_is_the_same_with_1_or_200_comments(client, seed_article):
    """
    Paging, threading and avatars cost the same queries whatever the number of
    comments: the page's layout from one query of ids, its comments from one more.
    """

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(seed_article.get_absolute_url()).status_code == 200
        return len(context)

    CommentFactory(article=seed_article)
    one = queries()
    parents = CommentFactory.create_batch(100, article=seed_article)
    for parent in parents:
        CommentFactory(article=seed_article, parent=parent)
    assert queries() == one


def test_closed_comments_show_the_sentence_and_keep_approved_comments(client, seed_article):
    """With comments closed the form is gone, the sentence is there, comments still show."""
    CommentFactory(article=seed_article, author_name="Early bird")
    seed_article.comments_open = False
    seed_article.save()
    soup = section(client, seed_article)
    assert soup.select_one("form") is None
    assert soup.select_one(".comments-closed").get_text() == "Comments are closed."
    assert "Early bird" in soup.get_text()
    assert soup.select_one(".comment-reply-link") is None


def test_comments_close_after_the_closing_date(client, seed_article):
    """A closing date in the past closes the form by itself."""
    seed_article.comments_close_at = timezone.now() - timedelta(minutes=1)
    seed_article.save()
    assert section(client, seed_article).select_one(".comments-closed") is not None
