"""
Pages of their own, for commenters whose comment is held or still editable, and for staff.

The public discussion, and the page around it, are rendered once per version
of it and kept; a reader's own parts (their held comment and its thread, their
edit links) are rendered for them once per state of their comments, and a form
sent back on each request, beside those shared fragments and never into them.
These tests read the pages as readers do, in the order that would leak one
reader's part into another's page if it were ever kept.
"""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, ModerationSettings
from mentions.models import Mention
from tests.conftest import post_as, reader
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

APPROVED, PENDING = Comment.Status.APPROVED, Comment.Status.PENDING


def page_of(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def held_comment(client, article, name: str, body: str, parent: Comment | None = None) -> Comment:
    """Post a comment as this browser; it is held, as every new comment is by default."""
    data = {"author_name": name, "author_email": f"{name.lower()}@example.org", "body": body}
    if parent is not None:
        data["parent"] = str(parent.pk)
    response = post_as(client, article, data)
    assert response.status_code == 302, response.content.decode()[:500]
    comment = Comment.objects.latest("pk")
    assert comment.status == PENDING and comment.body == body
    return comment


def texts(soup: BeautifulSoup) -> list[str]:
    return [node.get_text(" ", strip=True) for node in soup.select(".comment-content")]


def edit_links(soup: BeautifulSoup) -> list[str]:
    return [link["href"] for link in soup.select(".comment-edit-link")]


def edit_url(comment: Comment) -> str:
    return reverse("comments:edit", args=[comment.pk])


def test_two_readers_with_held_comments_each_see_only_their_own(seed_article):
    """
    Ana and Ben each have a held comment: one top-level, one a reply inside a public
    thread. Each page shows its reader's comment and edit link, never the other's,
    whoever's page was rendered first, and the public page shows neither.
    """
    public = CommentFactory(article=seed_article, body="Public and approved.")
    CommentFactory(article=seed_article, body="Another public one.")
    ana, ben = reader(), reader()
    anas = held_comment(ana, seed_article, "Ana", "Ana's held words.")
    bens = held_comment(ben, seed_article, "Ben", "Ben's held reply.", parent=public)
    url = seed_article.get_absolute_url()

    for _ in range(2):  # Cold, then with whatever the first round kept.
        for client, own in ((ana, anas), (ben, bens), (reader(), None)):
            soup = page_of(client, url)
            shown = texts(soup)
            assert "Public and approved." in shown and "Another public one." in shown
            if own is not None:
                assert own.body in shown
                assert edit_links(soup) == [edit_url(own)]
                assert soup.select_one(f"#comment-{own.pk} .comment-awaiting-moderation")
            else:
                assert edit_links(soup) == []
                assert soup.select(".comment-awaiting-moderation") == []
            for stranger in {anas, bens} - {own}:
                assert stranger.body not in shown
                assert soup.select_one(f"#comment-{stranger.pk}") is None

    # Ben's reply sits in the public thread it answers, on his page only.
    soup = page_of(ben, url)
    assert soup.select_one(f"#comment-{public.pk} .children #comment-{bens.pk}")
    assert page_of(reader(), url).select_one(f"#comment-{public.pk} .children") is None


def test_an_edit_link_on_a_published_comment_is_its_authors_alone(seed_article):
    """A comment published at once is public, but its edit link is only on its author's page."""
    ModerationSettings.objects.update_or_create(pk=1, defaults={"hold_all": False})
    ana, ben = reader(), reader()
    data = {"author_name": "Ana", "author_email": "ana@example.org", "body": "Published now."}
    assert post_as(ana, seed_article, data).status_code == 302
    anas = Comment.objects.get(body="Published now.")
    assert anas.status == APPROVED
    ModerationSettings.objects.filter(pk=1).update(hold_all=True)
    bens = held_comment(ben, seed_article, "Ben", "Ben's reply to Ana.", parent=anas)
    url = seed_article.get_absolute_url()

    for client in (ana, ben, reader(), ana, ben):
        soup = page_of(client, url)
        assert "Published now." in texts(soup)
        expected = {ana: [edit_url(anas)], ben: [edit_url(bens)]}.get(client, [])
        assert edit_links(soup) == expected
        assert ("Ben's reply to Ana." in texts(soup)) == (client is ben)


def test_a_held_readers_page_follows_every_public_change_at_once(seed_article, moderator_client):
    """
    What the reader's page shows of others is never older than the public page:
    an approval, a moderator's edit, a removal, a closing, each seen at once.
    """
    first = CommentFactory(article=seed_article, body="First words.")
    waiting = CommentFactory(article=seed_article, status=PENDING, body="Someone else's.")
    ana = reader()
    held_comment(ana, seed_article, "Ana", "Ana waits.")
    url = seed_article.get_absolute_url()
    assert "Someone else's." not in texts(page_of(ana, url))

    waiting.status = APPROVED
    waiting.save()
    assert "Someone else's." in texts(page_of(ana, url))

    Comment.objects.filter(pk=first.pk).update(body="Corrected by a moderator.")
    shown = texts(page_of(ana, url))
    assert "Corrected by a moderator." in shown and "First words." not in shown

    Comment.objects.filter(pk=waiting.pk).update(status=Comment.Status.REMOVED)
    assert "Someone else's." not in texts(page_of(ana, url))

    assert page_of(ana, url).select(f"#comment-{first.pk} .comment-reply-link")
    seed_article.comments_close_at = timezone.now() - timedelta(seconds=1)
    seed_article.save(update_fields=["comments_close_at"])
    soup = page_of(ana, url)
    assert soup.select(".comment-reply-link") == [] and soup.select_one(".comments-closed")
    assert "Ana waits." in texts(soup)


def test_an_erased_commenters_name_leaves_every_page_at_once(seed_article, moderator_client):
    """Erasure rewrites a published comment in place: no kept fragment brings the name back."""
    erased = CommentFactory(article=seed_article, author_name="Zoë Private", body="Mine.")
    ana = reader()
    held_comment(ana, seed_article, "Ana", "Ana waits.")
    url = seed_article.get_absolute_url()
    assert "Zoë Private" in page_of(ana, url).get_text()
    Comment.objects.filter(pk=erased.pk).update(author_name="Erased", author_url="")
    for client in (ana, reader()):
        assert "Zoë Private" not in page_of(client, url).get_text()


def test_the_public_discussion_is_rendered_once_per_version(seed_article):
    """
    A held reader's page renders their own thread, not the other comments, once
    they were rendered for anyone; and its queries do not grow with the discussion.
    """
    for parent in CommentFactory.create_batch(20, article=seed_article):
        CommentFactory(article=seed_article, parent=parent)
    ana = reader()
    held_comment(ana, seed_article, "Ana", "Ana waits.")
    url = seed_article.get_absolute_url()
    reader().get(url)  # Someone reads the public page: its threads are kept.

    def rendered(client) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        names = [template.name for template in response.templates]
        return names.count("comments/_comment.html"), len(queries)

    comments, queries = rendered(ana)
    assert comments == 1  # Ana's own thread: her held comment.
    for parent in CommentFactory.create_batch(20, article=seed_article):
        CommentFactory(article=seed_article, parent=parent)
    reader().get(url)
    assert rendered(ana) == (1, queries)


def test_a_held_reply_in_a_public_thread_renders_that_thread_alone(seed_article):
    """The thread holding the reader's reply is theirs; every other thread comes kept."""
    threads = CommentFactory.create_batch(5, article=seed_article)
    ana = reader()
    held_comment(ana, seed_article, "Ana", "Ana answers.", parent=threads[2])
    reader().get(seed_article.get_absolute_url())
    response = ana.get(seed_article.get_absolute_url())
    names = [template.name for template in response.templates]
    assert names.count("comments/_comment.html") == 2  # threads[2] and Ana's reply in it.
    soup = BeautifulSoup(response.content, "html.parser")
    order = [int(node["id"].removeprefix("comment-")) for node in soup.select(".comment-list > li")]
    assert order == [thread.pk for thread in threads]


def test_a_page_of_its_own_shows_the_others_comments_as_the_public_page_does(seed_article):
    """
    Kept fragments and fresh ones make the same comments: the reader's page, their
    own comment aside, lists what the public page lists, with the same links.
    """
    public = CommentFactory.create_batch(3, article=seed_article)
    CommentFactory(article=seed_article, parent=public[0], body="A public reply.")
    ana = reader()
    anas = held_comment(ana, seed_article, "Ana", "Ana answers.", parent=public[0])
    url = seed_article.get_absolute_url()

    def comments(soup: BeautifulSoup) -> list[tuple[str, str, list[str]]]:
        return [
            (node["id"], node.select_one(".comment-body").get_text(" ", strip=True), links)
            for node in soup.select(".comment-list li")
            if node["id"] != f"comment-{anas.pk}"
            for links in [[a["href"] for a in node.select_one(".comment-body").select("a")]]
        ]

    cold = comments(page_of(ana, url))  # Ana's page first: nothing is kept yet.
    assert comments(page_of(reader(), url)) == cold == comments(page_of(ana, url))
    assert len(cold) == 4


def test_the_head_and_the_article_are_the_public_ones_on_a_page_of_ones_own(seed_article):
    """The canonical link, the structured data and the article read as everyone's."""
    CommentFactory.create_batch(3, article=seed_article)
    ana = reader()
    held_comment(ana, seed_article, "Ana", "Ana waits.")
    url = seed_article.get_absolute_url()
    own, public = page_of(ana, url), page_of(reader(), url)
    assert str(own.head) == str(public.head)
    assert "Ana waits." not in str(own.head)
    assert str(own.select_one("article.entry")) == str(public.select_one("article.entry"))


def test_an_edited_or_newly_public_article_shows_at_once_on_every_page(seed_article, staff_client):
    """The kept article follows its edits, and a scheduled one loses its preview note on time."""
    ana = reader()
    held_comment(ana, seed_article, "Ana", "Ana waits.")
    url = seed_article.get_absolute_url()
    page_of(ana, url)
    seed_article.title = "Cramps, revisited"
    seed_article.save()
    for client in (ana, reader()):
        soup = page_of(client, url)
        assert soup.select_one("h1").get_text() == "Cramps, revisited"
        assert soup.select_one('meta[property="og:title"]')["content"] == "Cramps, revisited"

    scheduled = ArticleFactory(published_at=timezone.now() + timedelta(hours=1))
    preview = page_of(staff_client, scheduled.get_absolute_url())
    assert preview.select_one(".preview-note")
    # Its time comes: nothing is saved, the clock alone publishes it.
    type(scheduled).objects.filter(pk=scheduled.pk).update(published_at=timezone.now())
    for client in (staff_client, reader()):
        assert page_of(client, scheduled.get_absolute_url()).select_one(".preview-note") is None


def test_a_mention_approved_shows_at_once_on_a_page_of_ones_own(seed_article):
    """Mentions are part of the discussion: the held reader's page follows them too."""
    ana = reader()
    held_comment(ana, seed_article, "Ana", "Ana waits.")
    url = seed_article.get_absolute_url()
    assert page_of(ana, url).select_one(".mentions") is None
    mention = Mention.objects.create(
        article=seed_article, title="A cramp diary", url="https://diary.example/", status=PENDING
    )
    assert page_of(ana, url).select_one(".mentions") is None
    mention.status = APPROVED
    mention.save()
    assert "A cramp diary" in page_of(ana, url).select_one(".mentions").get_text()


def test_each_reply_form_is_its_own(seed_article):
    """The empty form is kept per comment it answers: no reply target leaks into another."""
    first, second = CommentFactory.create_batch(2, article=seed_article)
    url = seed_article.get_absolute_url()
    ana = reader()
    held_comment(ana, seed_article, "Ana", "Ana waits.")
    for client in (reader(), ana):
        for target in (None, first, second, None, "999999", first):
            params = {"replytocom": getattr(target, "pk", target)} if target else {}
            soup = BeautifulSoup(client.get(url, params).content, "html.parser")
            parent = soup.select_one("#commentform input[name=parent]").get("value", "")
            expected = target.pk if isinstance(target, Comment) else ""
            assert parent == str(expected), (client, target)
            title = soup.select_one("#reply-title").get_text(" ", strip=True)
            name = target.author_name if isinstance(target, Comment) else None
            assert title == (f"Leave a Reply to {name}" if name else "Leave a Reply")


def test_a_form_sent_back_with_errors_keeps_what_was_typed_and_is_never_kept(seed_article):
    """A refused form is the reader's own: shown with their words, never to anyone else."""
    ana = reader()
    response = post_as(
        ana, seed_article, {"author_name": "Ana", "body": "Ana typed these draft words."}
    )
    assert response.status_code == 400
    assert "Ana typed these draft words." in response.content.decode()
    assert (
        "Ana typed these draft words."
        not in reader().get(seed_article.get_absolute_url()).content.decode()
    )
    assert (
        "Ana typed these draft words."
        not in ana.get(seed_article.get_absolute_url()).content.decode()
    )


def test_a_held_readers_page_is_kept_whole_until_something_on_it_changes(seed_article):
    """
    Once rendered, a held reader's page costs no render at all: the page around
    the threads is the public one's, kept per version, and their own thread is
    kept per state of their comments. Two light queries, whatever the discussion.
    """
    CommentFactory.create_batch(30, article=seed_article)
    ana = reader()
    held_comment(ana, seed_article, "Ana", "Ana waits.")
    url = seed_article.get_absolute_url()
    first = ana.get(url)
    with CaptureQueriesContext(connection) as queries:
        again = ana.get(url)
    assert again.templates == []
    assert again.content == first.content
    assert len(queries) == 2  # The article, and this browser's own comments.
    assert "Ana waits." in texts(BeautifulSoup(again.content, "html.parser"))


def test_an_edit_links_minutes_count_down_on_a_kept_page(seed_article, settings, monkeypatch):
    """The edit link says how long is left: a kept thread never shows the minutes of before."""
    settings.COMMENTS_EDIT_MINUTES = 15
    ana = reader()
    held_comment(ana, seed_article, "Ana", "Ana waits.")
    url = seed_article.get_absolute_url()

    def edit_note() -> str:
        node = page_of(ana, url).select_one(".comment-edit-until")
        return node.get_text(" ", strip=True).split(",")[0] if node else ""

    assert edit_note() == "for 15 more minutes"
    start = timezone.now()
    for minutes, expected in ((6, "for 9 more minutes"), (14.5, "for 1 more minute"), (16, "")):
        monkeypatch.setattr(timezone, "now", lambda m=minutes: start + timedelta(minutes=m))
        assert edit_note() == expected, minutes
    assert "Ana waits." in texts(page_of(ana, url))
