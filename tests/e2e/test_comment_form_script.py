"""
What static/js/comments.js adds to the comment form, and that the page works without it:
remembering the commenter's details in this browser, and replying in place.
"""

import json
import re

import pytest
from playwright.sync_api import Page, expect

from comments.models import Comment
from tests.e2e.browsing import Person, field, open_as
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

STORAGE_KEY = "comment-author"
REMEMBER = "Save my name, email, and website"


def stored_details(page: Page) -> dict | None:
    value = page.evaluate("key => window.localStorage.getItem(key)", STORAGE_KEY)
    return None if value is None else json.loads(value)


def test_details_are_stored_only_when_the_reader_asks(open_context, seed_article):
    """Unticked, nothing is kept; ticked, the next visit finds name, email and website filled in."""
    context = open_context()
    reader = Person(context, "mouse")
    page = reader.page
    form = page.locator("#commentform")
    page.goto(seed_article.get_absolute_url())
    expect(form.get_by_label(REMEMBER)).not_to_be_checked()

    reader.write_comment("First visit.", name="Maya Okafor", email="maya@example.net")
    expect(page.get_by_role("status")).to_have_text("Your comment is awaiting moderation.")
    assert stored_details(page) is None
    page.goto(seed_article.get_absolute_url())
    expect(field(form, "Name")).to_have_value("")
    expect(field(form, "Email")).to_have_value("")

    reader.write_comment(
        "Second visit.",
        name="Maya Okafor",
        email="maya@example.net",
        website="https://maya.example.net/",
        remember=True,
    )
    assert stored_details(page) == {
        "name": "Maya Okafor",
        "email": "maya@example.net",
        "url": "https://maya.example.net/",
    }
    # Kept in the browser only: no cookie carries the address to the server.
    assert not [cookie for cookie in context.cookies() if "maya" in cookie["value"]]

    later = context.new_page()
    later.goto(seed_article.get_absolute_url())
    later_form = later.locator("#commentform")
    expect(field(later_form, "Name")).to_have_value("Maya Okafor")
    expect(field(later_form, "Email")).to_have_value("maya@example.net")
    expect(field(later_form, "Website")).to_have_value("https://maya.example.net/")
    expect(field(later_form, "Comment")).to_have_value("")
    expect(later_form.get_by_label(REMEMBER)).to_be_checked()

    # Another browser (another profile) knows nothing of her.
    stranger = open_context().new_page()
    stranger.goto(seed_article.get_absolute_url())
    expect(field(stranger.locator("#commentform"), "Name")).to_have_value("")


def test_unticking_the_box_forgets_the_details(open_context, seed_article):
    """A reader who unticks the box and posts is forgotten by this browser."""
    reader = Person(open_context(), "mouse")
    page = reader.page
    page.goto(seed_article.get_absolute_url())
    reader.write_comment("Remember me.", name="Sam Lee", email="sam@example.org", remember=True)
    assert stored_details(page)["email"] == "sam@example.org"

    page.goto(seed_article.get_absolute_url())
    form = page.locator("#commentform")
    form.get_by_label(REMEMBER).uncheck()
    field(form, "Comment").fill("Now forget me.")
    form.get_by_role("button", name="Post Comment").click()
    expect(page.get_by_role("status").first).to_be_visible()
    assert stored_details(page) is None
    page.goto(seed_article.get_absolute_url())
    expect(field(form, "Email")).to_have_value("")


def test_reply_link_moves_the_form_under_the_comment(open_context, seed_article):
    """With scripts, Reply moves the form under the comment, no reload; Cancel moves it back."""
    parent = CommentFactory(article=seed_article, author_name="Ana Lima", body="Magnesium?")
    reader = Person(open_context(), "mouse")
    page = reader.page
    page.goto(seed_article.get_absolute_url())
    address = page.url
    page.evaluate("() => { window.notReloaded = true; }")
    respond = page.locator("#respond")
    form = page.locator("#commentform")
    cancel = page.get_by_role("link", name="Cancel reply")
    expect(cancel).to_be_hidden()

    page.get_by_role("link", name="Reply to Ana Lima").click()
    expect(page.locator(f"#comment-{parent.pk} > #respond")).to_have_count(1)
    expect(page.locator("#reply-title")).to_have_text("Leave a Reply to Ana Lima")
    expect(form.locator("input[name=parent]")).to_have_value(str(parent.pk))
    expect(field(form, "Comment")).to_be_focused()
    expect(cancel).to_be_visible()
    assert page.url == address
    assert page.evaluate("() => window.notReloaded") is True

    cancel.click()
    expect(page.locator(f"#comment-{parent.pk} #respond")).to_have_count(0)
    expect(page.locator("#comments > #respond")).to_have_count(1)
    expect(page.locator("#reply-title")).to_have_text("Leave a Reply")
    expect(form.locator("input[name=parent]")).to_have_value("")
    expect(cancel).to_be_hidden()

    page.get_by_role("link", name="Reply to Ana Lima").click()
    expect(respond).to_be_visible()
    reader.write_comment("Yes, it helped me.", name="Sam Lee", email="sam@example.org")
    reply = Comment.objects.get(author_name="Sam Lee")
    assert reply.parent == parent
    expect(page.locator(f"#comment-{parent.pk} .children #comment-{reply.pk}")).to_contain_text(
        "Yes, it helped me."
    )


def test_reply_link_without_javascript_reloads_with_the_reply_chosen(open_context, seed_article):
    """Without scripts, Reply loads ?replytocom with the parent chosen, and Cancel undoes it."""
    parent = CommentFactory(article=seed_article, author_name="Ana Lima")
    reader = open_as(open_context, "no-javascript")
    page = reader.page
    page.goto(seed_article.get_absolute_url())

    page.get_by_role("link", name="Reply to Ana Lima").click()
    expect(page).to_have_url(re.compile(rf"\?replytocom={parent.pk}#respond$"))
    expect(page.locator("#reply-title")).to_have_text("Leave a Reply to Ana Lima")
    expect(page.locator("#commentform input[name=parent]")).to_have_value(str(parent.pk))

    page.get_by_role("link", name="Cancel reply").click()
    expect(page).to_have_url(re.compile(r"/#respond$"))
    expect(page.locator("#reply-title")).to_have_text("Leave a Reply")
    expect(page.locator("#commentform input[name=parent]")).to_have_value("")
    expect(page.get_by_role("link", name="Cancel reply")).to_be_hidden()
