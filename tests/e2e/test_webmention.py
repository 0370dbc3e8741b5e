"""
A Webmention as people meet it: another blog's page on loopback mentions an article, a real
sender posts to the live site, the moderator approves it in the admin in Chromium, and a
reader sees it under "Mentioned elsewhere" (with no request leaving the site).
"""

import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from blog.models import Article
from mentions.models import Mention
from tests.conftest import SEED_SLUG
from tests.e2e.browsing import MODERATOR_PASSWORD
from tests.mentions.conftest import Page as SourcePage
from tests.mentions.conftest import Site

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHANGELIST = reverse("admin:mentions_mention_changelist")


@pytest.fixture(autouse=True)
def _a_local_trial(settings, live_server):
    """The site is the live server; its fetches may go to loopback, as in a local trial."""
    settings.SITE_URL = live_server.url
    settings.OUTBOUND_ALLOW_PRIVATE = True


@pytest.fixture
def local_blog():
    site = Site("127.0.0.1")
    yield site
    site.close()


def send_webmention(endpoint: str, source: str, target: str) -> tuple[int, str]:
    """What another blog's software does: a form POST, no cookie, no CSRF token."""
    data = urlencode({"source": source, "target": target}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(endpoint, data=data)) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_mention_from_anlocal_blog_is_moderated_then_shown(
    page: Page, live_server, local_blog, moderator
):
    """Discovered from the page, sent, verified, held, approved in the admin, then shown."""
    article = Article.objects.get(slug=SEED_SLUG)
    target = f"{live_server.url}{article.get_absolute_url()}"
    local_blog.pages["/2026/cramps"] = SourcePage(
        body=f"""<!doctype html><html><head><title>Ada's notebook</title></head><body>
        <article class="h-entry"><h1 class="p-name">What finally stopped my cramps</h1>
        <p class="p-author h-card">Ada Brennan</p>
        <div class="e-content">Stretching before bed, as <a href="{target}">this post</a>
        says.</div>
        </article></body></html>"""
    )

    # The sender finds the endpoint as the page advertises it.
    page.goto(article.get_absolute_url())
    endpoint = page.locator('link[rel="webmention"]').get_attribute("href")
    status, sentence = send_webmention(endpoint, local_blog.url("/2026/cramps"), target)
    assert status == 202, sentence
    expect(page.locator(".mentions")).to_have_count(0)

    page.goto(f"{reverse('admin:login')}?next={CHANGELIST}?status__exact=pending")
    page.get_by_label("Username").fill(moderator.username)
    page.get_by_label("Password").fill(MODERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    row = page.locator("#result_list tbody tr", has_text="What finally stopped my cramps")
    expect(row).to_contain_text("Ada Brennan")
    row.locator("input[name=_selected_action]").check()
    page.locator("select[name=action]").select_option("approve")
    page.locator("button[name=index]").click()
    expect(page.locator(".messagelist")).to_contain_text("1 mention approved.")
    page.screenshot(path="e2e-screenshots/webmention-admin.png")

    page.goto(article.get_absolute_url())
    mentions = page.locator(".mentions")
    expect(mentions.get_by_role("heading", name="Mentioned elsewhere")).to_be_visible()
    link = mentions.get_by_role("link", name="What finally stopped my cramps")
    expect(link).to_have_attribute("href", local_blog.url("/2026/cramps"))
    expect(mentions).to_contain_text("Ada Brennan")
    expect(mentions).to_contain_text("Stretching before bed, as this post says.")
    mentions.scroll_into_view_if_needed()
    page.screenshot(path="e2e-screenshots/webmention-shown.png", full_page=True)
    assert Mention.objects.get().status == "approved"
