"""
The site's security headers in a real browser: its own scripts work under them, and say nothing.

Chromium enforces the Content Security Policy with Trusted Types
(config/headers.py) and reads the Permissions-Policy; any refusal or unknown
feature would be written to the console, which these tests read whole.
"""

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from comments.models import Comment
from tests.e2e.browsing import field
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def listen(page: Page) -> list[str]:
    """Every console message and uncaught error of this page, as text."""
    heard: list[str] = []

    def console(message: ConsoleMessage) -> None:
        heard.append(f"console.{message.type}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: heard.append(f"error: {error}"))
    return heard


def test_comment_form_script_works_under_trusted_types_with_a_silent_console(
    open_context, seed_article
):
    """Reply in place, the stamp fetched, the draft kept, the comment posted: nothing refused."""
    parent = CommentFactory(article=seed_article, author_name="Ana Lima", body="Towel stretch.")
    page = open_context().new_page()
    heard = listen(page)
    page.goto(seed_article.get_absolute_url())

    page.get_by_role("link", name="Reply to Ana Lima").click()
    expect(page.locator("#reply-title")).to_have_text("Leave a Reply to Ana Lima")
    form = page.locator("#commentform")
    field(form, "Comment").fill("Thirty seconds each side, under a strict policy.")
    # The stamp comes from the site by fetch() (connect-src 'self').
    expect(form.locator("input[name=issued]")).not_to_have_value("")
    field(form, "Name").fill("Sam Lee")
    field(form, "Email").fill("sam@example.org")
    form.get_by_role("button", name="Post Comment").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_have_text("Your comment is awaiting moderation.")
    reply = Comment.objects.get(author_name="Sam Lee")
    assert reply.parent == parent
    assert heard == []


def test_trusted_types_are_enforced_so_an_injected_string_is_refused(open_context, seed_article):
    """The policy is live: a string given to innerHTML throws, and no script may make a policy."""
    page = open_context().new_page()
    page.goto(seed_article.get_absolute_url())
    outcome = page.evaluate(
        """() => {
            const tried = {};
            try {
                document.body.insertAdjacentHTML("beforeend", "<b>x</b>");
                tried.html = "allowed";
            } catch (error) { tried.html = error.name; }
            try {
                trustedTypes.createPolicy("sneaky", {createHTML: (s) => s});
                tried.policy = "allowed";
            } catch (error) { tried.policy = error.name; }
            return tried;
        }"""
    )
    assert outcome == {"html": "TypeError", "policy": "TypeError"}


@pytest.mark.parametrize("path", ["/", "/feed/", "/no-such-page/"])
def test_other_pages_load_without_a_word_in_the_console(open_context, path):
    """Home, a feed, the 404: no refused resource, no unknown Permissions-Policy feature."""
    page = open_context().new_page()
    heard = listen(page)
    page.goto(path)
    page.wait_for_load_state("load")
    assert [line for line in heard if "404" not in line] == []
