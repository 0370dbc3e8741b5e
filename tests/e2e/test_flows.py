"""
What readers and a moderator do in a browser, with the mouse, the keyboard
alone, and with JavaScript off.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from comments.models import Comment
from tests.e2e.browsing import MODES, build_thread, field, open_as
from tests.e2e.browsing import approve_in_admin as approve
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AWAITING = "Your comment is awaiting moderation."


def comment_item(page: Page, comment: Comment):
    return page.locator(f"#comment-{comment.pk}")


@pytest.mark.parametrize("mode", MODES)
def test_comment_is_held_then_approved_then_answered(mode, open_context, seed_article, moderator):
    """A comment waits, a moderator approves it in bulk, everyone sees it, a reply nests."""
    reader = open_as(open_context, mode)
    page = reader.page
    page.goto("/")
    reader.activate(page.get_by_role("link", name=seed_article.title))
    expect(page.get_by_role("heading", level=1)).to_have_text(seed_article.title)
    expect(page.locator(".entry-content")).to_contain_text("cramp")

    reader.write_comment(
        "Stretching my calf before bed\nhas helped more than anything.",
        name="Maya Okafor",
        email="maya@example.net",
    )
    comment = Comment.objects.get(author_name="Maya Okafor")
    assert comment.status == Comment.Status.PENDING
    expect(page).to_have_url(re.compile(rf"#comment-{comment.pk}$"))
    notice = comment_item(page, comment).get_by_role("status")
    expect(notice).to_have_text(AWAITING)
    expect(comment_item(page, comment)).to_contain_text("has helped more than anything.")

    other_reader = open_as(open_context, mode)
    other_reader.page.goto(seed_article.get_absolute_url())
    expect(other_reader.page.get_by_text("Stretching my calf")).to_have_count(0)

    # Someone else's comment waits too: the moderator approves both at once.
    earlier = CommentFactory(article=seed_article, status=Comment.Status.PENDING)
    approve(open_as(open_context, mode), moderator.username, [earlier, comment])
    assert set(Comment.objects.approved().values_list("pk", flat=True)) == {earlier.pk, comment.pk}

    page.reload()
    expect(page.locator("#comments-title")).to_have_text("2 Comments")
    expect(comment_item(page, comment)).to_contain_text("Stretching my calf before bed")
    expect(page.get_by_text(AWAITING)).to_have_count(0)

    replier = other_reader
    replier.page.reload()
    replier.activate(
        replier.page.get_by_role("link", name="Reply to Maya Okafor"),
        navigates=mode == "no-javascript",
    )
    expect(replier.page.locator("#reply-title")).to_have_text("Leave a Reply to Maya Okafor")
    replier.write_comment("Same here: calf stretches.", name="Sam Lee", email="sam@example.org")
    reply = Comment.objects.get(author_name="Sam Lee")
    assert reply.parent == comment
    nested = (
        comment_item(replier.page, comment).locator(".children").locator(f"#comment-{reply.pk}")
    )
    expect(nested.get_by_role("status")).to_have_text(AWAITING)

    approve(open_as(open_context, mode), moderator.username, [reply])
    page.reload()
    expect(comment_item(page, comment).locator(".children")).to_contain_text(
        "Same here: calf stretches."
    )
    expect(page.locator("#comments-title")).to_have_text("3 Comments")


@pytest.mark.parametrize("mode", MODES)
def test_errors_are_shown_beside_the_fields_with_the_text_kept(mode, open_context, seed_article):
    """A faulty comment returns with the summary focused, errors at the fields, nothing lost."""
    reader = open_as(open_context, mode)
    page = reader.page
    page.goto(seed_article.get_absolute_url())
    typed = "My long thoughts,\nwhich I do not want to type again."
    reader.write_comment(typed, name="", email="maya at example")

    form = page.locator("#commentform")
    summary = form.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Name: Please enter your name.")
    expect(summary).to_contain_text("Email: Please enter a valid email address")

    name = field(form, "Name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description("Please enter your name.")
    expect(page.locator("#div_id_author_name")).to_contain_text("Please enter your name.")
    email = field(form, "Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(
        re.compile(r"will not be published.*Please enter a valid email address")
    )
    expect(field(form, "Comment")).to_have_value(typed)
    expect(email).to_have_value("maya at example")
    expect(field(form, "Website")).not_to_have_attribute("aria-invalid", "true")

    # The summary's links lead to the fields; then the reader corrects and posts.
    reader.activate(summary.get_by_role("link", name=re.compile("^Name:")), navigates=False)
    if reader.keyboard:
        expect(name).to_be_focused()
    reader.type(name, "Maya Okafor")
    reader.type(email, "maya@example.net")
    reader.activate(form.get_by_role("button", name="Post Comment"))
    expect(page.get_by_role("status")).to_have_text(AWAITING)
    assert Comment.objects.get().body == typed


def test_without_javascript_the_remember_box_is_not_offered(open_context, seed_article):
    """Remembering details needs the browser's storage, so without scripts the box is hidden."""
    page = open_as(open_context, "no-javascript").page
    page.goto(seed_article.get_absolute_url())
    expect(page.get_by_label("Save my name, email, and website")).to_be_hidden()
    expect(field(page, "Name")).to_be_visible()


FOCUS_STATE = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const box = element.getBoundingClientRect();
  const style = getComputedStyle(element);
  return {
    element: `${element.tagName.toLowerCase()}#${element.id} ${element.textContent.trim()}`,
    visible: box.width > 0 && box.height > 0 && style.visibility !== "hidden",
    outlined: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
  };
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_tab_stop_is_visible_and_outlined(scheme, open_context, seed_article):
    """Tabbing through the whole article page lands only on visible things, each outlined."""
    build_thread(seed_article)
    page = open_context(color_scheme=scheme).new_page()
    page.goto(seed_article.get_absolute_url())
    stops = []
    for _ in range(300):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state is None or state in stops[:1]:
            break  # Past the last stop: the focus left the page or came round again.
        stops.append(state)
    reached = " ".join(stop["element"] for stop in stops)
    for expected in ["Skip to content", "Ana Lima", "Reply", "#id_body", "#submit-id-submit"]:
        assert expected in reached
    assert [stop for stop in stops if not (stop["visible"] and stop["outlined"])] == []
    assert not any("subject" in stop["element"] for stop in stops)  # The honeypot.
