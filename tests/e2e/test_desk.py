"""
The moderation desk in a real browser: a queue cleared by keyboard alone and by
mouse alone (the presses and clicks are counted and printed for the record),
decisions in place with Undo, the keys, replies, JavaScript off, layout at a
laptop's and a phone's width, and axe-core on the queue and a comment's page.
"""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management.color import no_style
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Page, expect

from blog.models import Article
from comments.models import Comment
from tests.e2e.browsing import MODERATOR_PASSWORD
from tests.e2e.conftest import SCREENSHOT_DIR
from tests.e2e.test_html_validity import nu_errors
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHANGELIST = reverse("admin:comments_comment_changelist")
HELD = 20
FOCUS_RING = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    row: element.classList.contains("desk-row"),
    outlined: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def sequences_after_restore(*models) -> None:
    """
    Move PostgreSQL's id sequences past the rows restored for this test.

    serialized_rollback re-inserts the migrated rows (the seed article) with
    their ids, after the flush has set the sequences back to 1: the next new
    row would take id 1 again. SQLite needs nothing (it has no sequences).
    """
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


@pytest.fixture
def queue(seed_article) -> list[Comment]:
    """Twenty held comments, a few of them long, on two articles."""
    sequences_after_restore(Article)
    other = ArticleFactory(title="Night cramps and magnesium: what the trials found")
    return [
        CommentFactory(
            article=[seed_article, other][number % 2],
            status=Comment.Status.PENDING,
            author_name=f"Reader {number}",
            author_email=f"reader{number}@example.org",
            ip_address=f"203.0.113.{number}",
            held_reason="Every new comment is held for moderation.",
            body=("A long story about cramps. " * 80) if number % 7 == 0 else f"Comment {number}.",
        )
        for number in range(HELD)
    ]


def sign_in(page: Page, user, target: str = CHANGELIST) -> None:
    page.goto(f"{reverse('admin:login')}?next={target}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(MODERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    page.wait_for_load_state()  # The desk's script (deferred) has run.


def statuses(comments) -> set[str]:
    return set(
        Comment.objects.filter(pk__in=[c.pk for c in comments]).values_list("status", flat=True)
    )


def stays_on_the_page(page: Page) -> None:
    """Mark the page, so that a reload (which would drop the mark) can be noticed."""
    page.evaluate("() => { window.deskMark = true; }")


def still_the_same_page(page: Page) -> bool:
    return page.evaluate("() => window.deskMark === true")


def test_twenty_held_comments_cleared_by_keyboard_alone(open_context, queue, moderator):
    """j once, then a twenty times: 21 key presses, no reload, each focus visible and announced."""
    page = open_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(page, moderator)
    stays_on_the_page(page)
    presses = 0

    def press(key: str) -> None:
        nonlocal presses
        presses += 1
        page.keyboard.press(key)

    press("j")
    assert page.evaluate(FOCUS_RING) == {"row": True, "outlined": True}
    expect(page.locator("#desk-live")).to_contain_text(f"Comment 1 of {HELD}")
    for done in range(1, HELD + 1):
        press("a")
        expect(page.locator(".desk-decided")).to_have_count(done)
        if done < HELD:
            assert page.evaluate(FOCUS_RING) == {"row": True, "outlined": True}
            expect(page.locator("#desk-live")).to_contain_text(f"{done + 1} of {HELD}")
    assert statuses(queue) == {Comment.Status.APPROVED}
    assert still_the_same_page(page)
    expect(page.locator(".desk-tabs a[data-status=pending]")).to_have_text("Pending (0)")
    print(f"\nFIGURE keyboard alone: {presses} key presses for {HELD} held comments")
    assert presses == HELD + 1


def test_twenty_held_comments_cleared_by_mouse_alone(open_context, queue, moderator):
    """One click on each row's Approve, no hover needed: 20 clicks, no reload."""
    page = open_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(page, moderator)
    stays_on_the_page(page)
    clicks = 0
    for comment in reversed(queue):  # The queue is newest first.
        page.locator(f"#desk-comment-{comment.pk}").get_by_role("button", name="Approve").click()
        clicks += 1
        expect(page.locator(f"#desk-comment-{comment.pk} .desk-notice")).to_contain_text(
            "1 comment approved."
        )
    assert statuses(queue) == {Comment.Status.APPROVED}
    assert still_the_same_page(page)
    print(f"\nFIGURE mouse alone: {clicks} clicks for {HELD} held comments")
    assert clicks == HELD


def test_keys_spam_remove_and_undo_in_place(open_context, queue, moderator):
    """s and d decide, z takes the last decision back; history says so."""
    page = open_context().new_page()
    sign_in(page, moderator)
    first, second = queue[-1], queue[-2]
    page.keyboard.press("j")
    page.keyboard.press("s")
    expect(page.locator(f"#desk-comment-{first.pk} .desk-notice")).to_contain_text("spam")
    page.keyboard.press("d")
    expect(page.locator(f"#desk-comment-{second.pk} .desk-notice")).to_contain_text("removed")
    page.keyboard.press("z")
    expect(page.locator(f"#desk-comment-{second.pk} .desk-notice")).to_have_count(0)
    expect(page.locator("#desk-live")).to_contain_text("Undone")
    page.keyboard.press("z")
    expect(page.locator(".desk-decided")).to_have_count(0)
    assert statuses([first, second]) == {Comment.Status.PENDING}
    messages = LogEntry.objects.filter(object_id=str(second.pk)).order_by("pk")
    assert [entry.get_change_message() for entry in messages] == [
        "Status changed from Pending to Removed.",
        "Status changed from Removed to Pending, undoing an earlier decision.",
    ]
    # The Undo button in the row does the same with the mouse.
    page.locator(f"#desk-comment-{first.pk}").get_by_role("button", name="Spam").click()
    page.locator(f"#desk-comment-{first.pk}").get_by_role("button", name="Undo").click()
    expect(page.locator(f"#desk-comment-{first.pk} .desk-notice")).to_have_count(0)
    assert statuses([first]) == {Comment.Status.PENDING}


def test_no_key_fires_while_typing_and_question_mark_lists_the_keys(open_context, queue, moderator):
    """Typing a, s, d, r, u, z in the search box or a reply does nothing; ? opens the list."""
    page = open_context().new_page()
    sign_in(page, moderator)
    page.get_by_text("Search and filters").click()
    page.locator("#searchbar").click()
    page.keyboard.type("jasdruzeo")
    newest = queue[-1]
    row = page.locator(f"#desk-comment-{newest.pk}")
    row.get_by_text("Approve and reply").click()
    row.locator("textarea").click()
    page.keyboard.type("a sure answer")
    assert statuses(queue) == {Comment.Status.PENDING}
    expect(page.locator(".desk-decided")).to_have_count(0)

    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for words in ["Next / previous comment", "Approve", "Mark as spam", "Remove", "Undo"]:
        expect(dialog).to_contain_text(words)
    page.keyboard.press("a")
    assert statuses(queue) == {Comment.Status.PENDING}
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_z_undoes_a_bulk_action_from_its_message(open_context, queue, moderator):
    """After a bulk approval (the page reloads), z presses the message's Undo."""
    page = open_context().new_page()
    sign_in(page, moderator)
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("approve")
    with page.expect_navigation():
        page.locator("button[name=index]").click()
    expect(page.locator(".messagelist")).to_contain_text("20 comments approved.")
    assert statuses(queue) == {Comment.Status.APPROVED}
    with page.expect_navigation():
        page.keyboard.press("z")
    expect(page.locator(".messagelist")).to_contain_text("Undone: 20 comments are back")
    assert statuses(queue) == {Comment.Status.PENDING}


def test_a_signed_out_moderator_is_told_and_nothing_changes(open_context, queue, moderator):
    """The session ended (here, its cookie is gone): the row says so; the comment waits still."""
    context = open_context()
    page = context.new_page()
    sign_in(page, moderator)
    context.clear_cookies(name="sessionid")
    page.keyboard.press("j")
    page.keyboard.press("a")
    notice = page.locator(f"#desk-comment-{queue[-1].pk} .desk-notice-error")
    expect(notice).to_contain_text("You are signed out")
    expect(page.locator("#desk-live")).to_contain_text("You are signed out")
    assert statuses(queue) == {Comment.Status.PENDING}


def test_enter_opens_the_comment(open_context, queue, moderator):
    """On a chosen row, Enter opens that comment's page."""
    page = open_context().new_page()
    sign_in(page, moderator)
    page.keyboard.press("j")
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/comment/{queue[-2].pk}/change/$"))


def test_reply_in_place_is_published_as_the_site(open_context, queue, moderator, seed_article):
    """Approve and reply from the row: the reply is public at once, with the Author badge."""
    page = open_context().new_page()
    sign_in(page, moderator)
    comment = next(c for c in reversed(queue) if c.article == seed_article)
    row = page.locator(f"#desk-comment-{comment.pk}")
    row.get_by_text("Approve and reply").click()
    row.get_by_role("button", name="Publish reply").click()
    expect(row.locator(".desk-error")).to_contain_text("Please write your reply")
    row.get_by_label(re.compile("^Reply to")).fill("Thank you, this helps others too.")
    row.get_by_role("button", name="Publish reply").click()
    expect(row.locator(".desk-notice")).to_contain_text("Your reply to")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED

    reader = open_context().new_page()
    reader.goto(seed_article.get_absolute_url())
    reply = reader.locator(".comment.depth-2")
    expect(reply).to_contain_text("Thank you, this helps others too.")
    expect(reply.locator(".comment-author-badge")).to_have_text("Author")
    expect(reply).not_to_contain_text(moderator.username)


def test_an_address_typed_into_the_search_box_never_enters_a_url(
    open_context, queue, moderator, requests_made
):
    """The script sends it to "Find a commenter by email" (a POST): no request's URL holds it."""
    page = open_context().new_page()
    sign_in(page, moderator)
    page.get_by_text("Search and filters").click()
    page.locator("#searchbar").fill("Reader3@Example.org")
    page.locator("#searchbar").press("Enter")
    expect(page.locator(".desk-comment")).to_have_count(1)
    expect(page.locator(".desk-comment")).to_contain_text("Comment 3.")
    assert not [url for url in requests_made if "reader3" in url.lower() or "%40" in url]


def test_without_javascript_each_click_decides_and_undo_is_offered(open_context, queue, moderator):
    """The same buttons post and reload; the message carries an Undo that works."""
    page = open_context(java_script_enabled=False).new_page()
    sign_in(page, moderator)
    newest = queue[-1]
    page.locator(f"#desk-comment-{newest.pk}").get_by_role("button", name="Spam").click()
    expect(page.locator(".messagelist")).to_contain_text("1 comment marked as spam.")
    expect(page.locator(f"#desk-comment-{newest.pk}")).to_have_count(0)
    page.locator(".messagelist").get_by_role("button", name="Undo").click()
    expect(page.locator(".messagelist")).to_contain_text("Undone: 1 comment is back as it was.")
    expect(page.locator(f"#desk-comment-{newest.pk}")).to_have_count(1)
    # A long comment opens without a script.
    long = queue[0]
    folded = page.locator(f"#desk-comment-{long.pk} details.desk-more")
    folded.locator("summary").click()
    expect(folded).to_have_attribute("open", "")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_queue_and_comment_page_have_no_wcag_violations(
    scheme, open_context, queue, moderator, axe_violations
):
    """axe-core, WCAG 2.2 A and AA: the queue, a decided row, and a comment's own page."""
    page = open_context(color_scheme=scheme, viewport={"width": 1366, "height": 768}).new_page()
    sign_in(page, moderator)
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(page.locator(".desk-decided")).to_have_count(1)
    page.locator(f"#desk-comment-{queue[-3].pk} details.desk-reply summary").click()
    found = {}
    found["queue"] = axe_violations(page)
    page.goto(reverse("admin:comments_comment_change", args=[queue[0].pk]))
    found["comment page"] = axe_violations(page)
    page.goto(reverse("admin:index"))
    found["front page"] = axe_violations(page)
    assert found == {"queue": [], "comment page": [], "front page": []}


def no_column_cut_off(page: Page) -> list[str]:
    """Headers and cells whose content is wider than the box that shows it."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#result_list th, #result_list td'))
             .filter(cell => cell.scrollWidth > cell.clientWidth + 1)
             .map(cell => cell.className + ': ' + cell.textContent.trim().slice(0, 40))"""
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1366])
def test_the_queue_fits_a_laptop_and_a_phone(width, scheme, open_context, queue, moderator):
    """1366 px: every column whole, titles on few lines; 375 px: nothing scrolls sideways."""
    height = 812 if width < 600 else 768
    page = open_context(viewport={"width": width, "height": height}, color_scheme=scheme).new_page()
    sign_in(page, moderator)
    assert page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    table = page.locator("#result_list").bounding_box()
    assert table["x"] >= 0 and table["x"] + table["width"] <= width
    assert no_column_cut_off(page) == []
    if width > 1000:
        title = page.locator("td.field-in_response_to a").first
        lines = title.evaluate(
            "link => Math.round(link.getBoundingClientRect().height"
            " / parseFloat(getComputedStyle(link).lineHeight))"
        )
        assert lines <= 3
    approve = page.locator(f"#desk-comment-{queue[-1].pk}").get_by_role("button", name="Approve")
    box = approve.bounding_box()
    assert box["x"] + box["width"] <= width and box["height"] >= 24  # A target a finger can hit.
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / f"desk-queue-{width}-{scheme}.png")
    approve.click()
    expect(page.locator(".desk-decided")).to_have_count(1)
    assert page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_desk_pages_are_valid_html(open_context, queue, moderator, vnu_jar, tmp_path):
    """The queue (every status), a comment's page, a reply page and the front page, as served."""
    page = open_context().new_page()
    sign_in(page, moderator)
    files = []
    for name, url in {
        "queue": f"{CHANGELIST}?status=all",
        "comment": reverse("admin:comments_comment_change", args=[queue[0].pk]),
        "reply": reverse("admin:comments_comment_reply", args=[queue[0].pk]),
        "index": reverse("admin:index"),
        "find": reverse("admin:comments_comment_find_commenter"),
    }.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(page.goto(url).text())
    errors = nu_errors(vnu_jar, files)
    assert not errors, "\n".join(errors)
