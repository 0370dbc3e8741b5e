"""
A long discussion in a browser: its pages and permalinks, and a commenter
editing and withdrawing their own comment, with the mouse, the keyboard
alone, and JavaScript off.
"""

import re

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.e2e.browsing import MODES, field, open_as
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _two_per_page(settings):
    settings.COMMENTS_PER_PAGE = 2


def threads(article, count: int) -> list[Comment]:
    return [CommentFactory(article=article, body=f"Thread {n + 1}.") for n in range(count)]


@pytest.mark.parametrize("mode", MODES)
def test_a_reader_pages_through_the_discussion_and_follows_a_permalink(
    mode, open_context, seed_article
):
    """Plain links between pages; a comment's date leads to it on its page, at its anchor."""
    roots = threads(seed_article, 5)
    reader = open_as(open_context, mode)
    page = reader.page
    page.goto(seed_article.get_absolute_url())
    expect(page.locator(f"#comment-{roots[0].pk}")).to_be_visible()
    expect(page.get_by_text("Thread 3.")).to_have_count(0)
    nav = page.get_by_role("navigation", name="Comment pages")
    reader.activate(nav.get_by_role("link", name="Newer comments"))
    expect(page).to_have_url(re.compile(r"/comment-page-2/#comments$"))
    expect(page.get_by_text("Thread 3.")).to_be_visible()
    expect(nav.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    reader.activate(nav.get_by_role("link", name="Page 3"))
    expect(page.get_by_text("Thread 5.")).to_be_visible()

    # A moderator removes two early threads: Thread 5 moves to page 2, its permalink follows.
    Comment.objects.filter(pk__in=[roots[0].pk, roots[1].pk]).update(status="removed")
    page.goto(roots[4].get_absolute_url())
    expect(page).to_have_url(re.compile(rf"/comment-page-2/#comment-{roots[4].pk}$"))
    expect(page.locator(f"#comment-{roots[4].pk}")).to_be_in_viewport()


def test_an_old_anchor_link_finds_its_comment_on_a_later_page(open_context, seed_article):
    """An article#comment-N link from before paging (or from WordPress) lands on the comment."""
    roots = threads(seed_article, 5)
    page = open_context().new_page()
    page.goto(f"{seed_article.get_absolute_url()}#comment-{roots[4].pk}")
    expect(page).to_have_url(re.compile(rf"/comment-page-3/#comment-{roots[4].pk}$"))
    expect(page.locator(f"#comment-{roots[4].pk}")).to_be_in_viewport()


@pytest.mark.parametrize("mode", MODES)
def test_a_commenter_fixes_a_typo_then_withdraws_the_comment(mode, open_context, seed_article):
    """From their own held comment: edit, see the new text waiting; then withdraw it."""
    reader = open_as(open_context, mode)
    page = reader.page
    page.goto(seed_article.get_absolute_url())
    reader.write_comment("Calf strecthes help.", name="Maya Okafor", email="maya@example.net")
    comment = Comment.objects.get(author_name="Maya Okafor")

    reader.activate(page.get_by_role("link", name="Edit or withdraw your comment"))
    expect(page.get_by_role("heading", name="Edit your comment")).to_be_visible()
    reader.type(field(page, "Comment"), "Calf stretches help.")
    reader.activate(page.get_by_role("button", name="Save changes"))
    expect(page).to_have_url(re.compile(rf"#comment-{comment.pk}$"))
    mine = page.locator(f"#comment-{comment.pk}")
    expect(mine).to_contain_text("Calf stretches help.")
    expect(mine.get_by_role("status")).to_have_text("Your comment is awaiting moderation.")

    reader.activate(page.get_by_role("link", name="Edit or withdraw your comment"))
    reader.activate(page.get_by_role("button", name="Withdraw this comment"))
    expect(page.get_by_role("heading", name="Your comment is withdrawn")).to_be_visible()
    reader.activate(page.get_by_role("link", name=f"Back to “{seed_article.title}”"))
    expect(page.get_by_text("Calf stretches help.")).to_have_count(0)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED
    assert [revision.body for revision in comment.revisions.all()] == [
        "Calf strecthes help.",
        "Calf stretches help.",
    ]
