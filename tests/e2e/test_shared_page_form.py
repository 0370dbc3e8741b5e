"""
The comment form on a page that is the same for every reader, in a real browser.

With scripts the form fetches its stamp once the reader starts writing; without
them the comment is shown back for confirmation; a draft outlives a failed post;
and a form on another site cannot post here.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from comments.models import Comment
from tests.e2e.browsing import field, open_as

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AWAITING = "Your comment is awaiting moderation."


def stamp_requests(requests_made: list[str]) -> int:
    return sum(url.endswith(reverse("comments:stamp")) for url in requests_made)


def post_requests(requests_made: list[str], article) -> int:
    return sum(url.endswith(reverse("comments:post", args=[article.slug])) for url in requests_made)


@pytest.mark.parametrize("mode", ["mouse", "keyboard"])
def test_with_scripts_the_stamp_comes_when_the_reader_starts_writing(
    mode, open_context, seed_article, requests_made
):
    """No stamp is asked for by reading; one is once the reader writes; one post is enough."""
    reader = open_as(open_context, mode)
    page = reader.page
    page.goto(seed_article.get_absolute_url())
    expect(page.locator("#commentform")).to_be_visible()
    assert stamp_requests(requests_made) == 0

    form = page.locator("#commentform")
    reader.type(field(form, "Comment"), "Written with scripts on.")
    expect(form.locator("input[name=issued]")).not_to_have_value("")
    assert stamp_requests(requests_made) == 1
    reader.type(field(form, "Name"), "Ana Lima")
    reader.type(field(form, "Email"), "ana@example.org")
    reader.activate(form.get_by_role("button", name="Post Comment"))

    comment = Comment.objects.get()
    expect(page).to_have_url(re.compile(rf"#comment-{comment.pk}$"))
    expect(page.locator(f"#comment-{comment.pk}").get_by_role("status")).to_have_text(AWAITING)
    assert post_requests(requests_made, seed_article) == 1  # No confirmation step.


@pytest.mark.parametrize("mode", ["mouse", "keyboard"])
def test_without_scripts_the_comment_is_shown_back_then_posted(
    mode, open_context, seed_article, requests_made
):
    """JavaScript off: a confirmation step shows the comment as it will appear, then posts it."""
    reader = open_as(open_context, "no-javascript")
    reader.mode = mode  # Keyboard or mouse, with scripts off.
    page = reader.page
    page.goto(seed_article.get_absolute_url())
    form = page.locator("#commentform")
    reader.type(field(form, "Comment"), "No scripts here.\nTwo lines.")
    reader.type(field(form, "Name"), "Noor Haddad")
    reader.type(field(form, "Email"), "noor@example.org")
    reader.activate(form.get_by_role("button", name="Post Comment"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your comment")
    preview = page.locator(".comment-preview")
    expect(preview).to_contain_text("Noor Haddad")
    expect(preview).to_contain_text("No scripts here.")
    expect(field(page.locator("#commentform"), "Comment")).to_have_value(
        "No scripts here.\nTwo lines."
    )
    assert Comment.objects.count() == 0

    reader.activate(page.locator("#commentform").get_by_role("button", name="Post Comment"))
    comment = Comment.objects.get()
    assert comment.body == "No scripts here.\nTwo lines."
    expect(page.locator(f"#comment-{comment.pk}").get_by_role("status")).to_have_text(AWAITING)
    assert stamp_requests(requests_made) == 0
    assert post_requests(requests_made, seed_article) == 2


@pytest.mark.parametrize("mode", ["mouse", "keyboard"])
def test_a_draft_outlives_a_post_that_met_an_outage(mode, open_context, seed_article):
    """The app down when the reader posts: coming back, the comment is where they left it."""
    reader = open_as(open_context, mode)
    page = reader.page
    post_url = reverse("comments:post", args=[seed_article.slug])
    page.route(
        f"**{post_url}",
        lambda route: route.fulfill(
            status=503, content_type="text/html", body="<h1>Temporarily unavailable</h1>"
        ),
    )
    page.goto(seed_article.get_absolute_url())
    form = page.locator("#commentform")
    reader.type(field(form, "Comment"), "Typed while the site was falling over.")
    reader.type(field(form, "Name"), "Sam Lee")
    reader.type(field(form, "Email"), "sam@example.org")
    reader.activate(form.get_by_role("button", name="Post Comment"))
    expect(page.get_by_role("heading", name="Temporarily unavailable")).to_be_visible()
    assert Comment.objects.count() == 0

    page.unroute(f"**{post_url}")
    page.goto(seed_article.get_absolute_url())
    expect(page.locator("#draft-restored")).to_be_visible()
    expect(field(form, "Comment")).to_have_value("Typed while the site was falling over.")
    expect(field(form, "Name")).to_have_value("Sam Lee")
    expect(field(form, "Email")).to_have_value("")  # Kept only when asked to remember.
    reader.type(field(form, "Email"), "sam@example.org")
    reader.activate(form.get_by_role("button", name="Post Comment"))
    comment = Comment.objects.get()
    assert comment.body == "Typed while the site was falling over."

    page.goto(seed_article.get_absolute_url())
    expect(page.locator("#draft-restored")).to_be_hidden()
    expect(field(form, "Comment")).to_have_value("")


def test_a_draft_can_be_discarded(open_context, seed_article):
    """The reader who does not want it back is one click from an empty form."""
    reader = open_as(open_context, "mouse")
    page = reader.page
    page.goto(seed_article.get_absolute_url())
    form = page.locator("#commentform")
    reader.type(field(form, "Comment"), "Second thoughts.")
    page.wait_for_timeout(500)  # The draft is saved a moment after typing stops.
    page.reload()
    expect(field(form, "Comment")).to_have_value("Second thoughts.")
    page.get_by_role("button", name="Discard it").click()
    expect(field(form, "Comment")).to_have_value("")
    expect(field(form, "Comment")).to_be_focused()
    page.reload()
    expect(field(form, "Comment")).to_have_value("")


def test_a_form_on_another_site_cannot_post_a_comment(open_context, seed_article, live_server):
    """The browser says the post comes from elsewhere: the styled 403, the text given back."""
    page = open_context().new_page()
    action = f"{live_server.url}{reverse('comments:post', args=[seed_article.slug])}"
    page.set_content(
        f'<form method="post" action="{action}">'
        '<input name="author_name" value="Mallory"><input name="author_email" value="m@e.org">'
        '<textarea name="body">Planted from elsewhere.</textarea>'
        '<button type="submit">Send</button></form>'
    )
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Send").click()
    assert navigation.value.status == 403
    expect(page.locator(".refusal")).to_contain_text("sent from another website")
    expect(page.locator("#typed-comment")).to_have_value("Planted from elsewhere.")
    assert Comment.objects.count() == 0
