"""
Consent to email in Chromium: given from the browser that presses the button, and
borrowed by nobody who types the same address in another.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from comments.models import Comment
from comments.moderation import change_status
from tests.e2e.browsing import Person, field
from tests.e2e.conftest import SCREENSHOT_DIR

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ADDRESS = "maya@example.net"


def link_in(message) -> str:
    [link] = re.findall(r"https?://\S+/comments/email/confirm/\S+/", message.body)
    return re.sub(r"^https?://[^/]+", "", link)


def post_with_wish(person: Person, article, body: str, wish: str) -> None:
    page = person.page
    page.goto(article.get_absolute_url())
    form = page.locator("#commentform")
    person.type(field(form, "Comment"), body)
    person.type(field(form, "Name"), "Maya")
    person.type(field(form, "Email"), ADDRESS)
    person.tick(form.get_by_label(wish))
    person.activate(form.get_by_role("button", name="Post Comment"))
    person.confirm_if_asked()


@pytest.mark.parametrize("scripts", [True, False], ids=["javascript", "no-javascript"])
def test_consent_from_the_browser_that_commented_and_from_no_other(
    open_context, seed_article, scripts
):
    maya = Person(open_context(java_script_enabled=scripts), "mouse")
    post_with_wish(
        maya, seed_article, "Calf stretches work.", "Email me when my comment is approved"
    )
    [asking] = [m for m in mail.outbox if m.to == [ADDRESS]]
    page = maya.page
    page.goto(link_in(asking))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    expect(page.get_by_role("listitem")).to_contain_text(
        [f"when your comment on “{seed_article.title}” is published"]
    )
    page.screenshot(path=SCREENSHOT_DIR / f"email-consent-{'js' if scripts else 'no-js'}.png")
    page.get_by_role("button", name="Yes, email me").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you: your address is confirmed"
    )

    # Someone else types her address in their own browser, with a wish and a comment.
    stranger = Person(open_context(java_script_enabled=scripts), "mouse")
    post_with_wish(
        stranger, seed_article, "Visit evil.example today", "Email me when my comment is approved"
    )
    for comment in Comment.objects.all():
        change_status(comment, Comment.Status.APPROVED)
    published = [m for m in mail.outbox if m.to == [ADDRESS] and "is published" in m.subject]
    assert len(published) == 1
    assert "Calf stretches work." in published[0].body
    assert all("evil.example" not in m.body for m in mail.outbox if m.to == [ADDRESS])
