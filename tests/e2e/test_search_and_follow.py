"""
A reader searches from the box on every page, and follows the blog by email, in Chromium:
with the mouse, the keyboard alone, and JavaScript off; axe finds nothing on the new pages.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from comments.mail.followers import announce_new_articles
from comments.models import Announcement
from tests.e2e.browsing import field, open_as
from tests.e2e.conftest import SCREENSHOT_DIR
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MODES = ["mouse", "keyboard", "no-javascript"]


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def no_violations(axe_violations, page, mode: str) -> None:
    """axe-core finds nothing; it runs as a script, so not where scripts are off."""
    if mode != "no-javascript":
        assert not (violations := axe_violations(page)), "\n".join(violations)


@pytest.mark.parametrize("mode", MODES)
def test_a_reader_searches_from_the_header(open_context, seed_article, axe_violations, mode):
    """The header's box, Enter: the article is found, its words marked; axe finds nothing."""
    person = open_as(open_context, mode)
    page = person.page
    page.goto(seed_article.get_absolute_url())
    box = page.get_by_role("search").get_by_label("Search the articles")
    person.type(box, "cramp")
    if person.keyboard:
        with page.expect_navigation():
            page.keyboard.press("Enter")
    else:
        person.activate(page.get_by_role("search").get_by_role("button", name="Search"))
    expect(page).to_have_url(re.compile(r"/search/\?q=cramp$"))
    expect(page.locator("#search-count")).to_contain_text("1 article found for “cramp”")
    result = page.locator(".search-result")
    expect(result.get_by_role("link")).to_have_text(seed_article.title)
    expect(result.locator("mark").first).to_have_text(re.compile("cramp", re.IGNORECASE))
    page.screenshot(path=SCREENSHOT_DIR / f"search-{mode}.png", full_page=True)
    no_violations(axe_violations, page, mode)

    # Only punctuation: a sentence beside the box, what was typed kept.
    person.type(field(page.locator("main"), "Search the articles"), "*** --")
    person.activate(page.locator("main").get_by_role("button", name="Search"))
    expect(page.locator("main .invalid-feedback")).to_contain_text("There is no word to search")
    expect(field(page.locator("main"), "Search the articles")).to_have_value("*** --")
    no_violations(axe_violations, page, mode)


@pytest.mark.parametrize("mode", MODES)
def test_a_reader_follows_confirms_gets_a_new_article_and_leaves(
    open_context, seed_article, axe_violations, mode
):
    """Footer link, address, the email's button; a new article comes; one click stops it."""
    Announcement.objects.create(article=seed_article)
    person = open_as(open_context, mode)
    page = person.page
    page.goto("/")
    footer = page.get_by_role("contentinfo")
    person.activate(footer.get_by_role("link", name="Email me new articles"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Email me new articles")
    no_violations(axe_violations, page, mode)
    person.type(field(page, "Your email address"), "not an address")
    person.activate(page.get_by_role("button", name="Email me new articles"))
    expect(page.locator(".invalid-feedback")).to_contain_text("Enter a valid email address.")
    person.type(field(page, "Your email address"), "ola@example.net")
    person.activate(page.get_by_role("button", name="Email me new articles"))
    expect(page.get_by_role("status")).to_contain_text("we have emailed it a link")
    page.screenshot(path=SCREENSHOT_DIR / f"follow-{mode}.png")

    [asking] = mail.outbox
    [link] = re.findall(r"https?://\S+/comments/email/confirm/\S+/", asking.body)
    page.goto(path_of(link))
    expect(page.get_by_role("listitem")).to_contain_text([re.compile("each new article on")])
    person.activate(page.get_by_role("button", name="Yes, email me"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you: your address is confirmed"
    )

    mail.outbox.clear()
    article = ArticleFactory(title="Night cramps", published_at=timezone.now() - timedelta(1))
    Announcement.objects.filter(article=article).delete()
    article.published_at = timezone.now()
    article.save()
    announce_new_articles()
    [news] = mail.outbox
    assert news.subject.endswith("New article: “Night cramps”")
    page.goto(path_of(article.get_full_url()))
    expect(page.get_by_role("heading", level=1)).to_have_text("Night cramps")

    stop = news.extra_headers["List-Unsubscribe"].strip("<>")
    page.goto(path_of(stop))
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop emails about new articles?")
    person.activate(page.get_by_role("button", name="Stop these emails"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You will get no more emails about new articles"
    )
