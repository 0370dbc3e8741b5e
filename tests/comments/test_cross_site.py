"""
The comment POST without a CSRF token: what the browser says of where it came from decides.

Sec-Fetch-Site first, then Origin, then Referer; with none of them the POST is
refused (comments/posting/origin.py says why). The admin keeps Django's token CSRF.
"""

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from tests.conftest import fresh_stamp

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
CROSS_SITE = (
    "This comment was sent from another website, so it was not accepted. If you wrote it "
    "here, please copy your text, reload the article and post it again."
)
NO_ORIGIN = (
    "Your browser did not say which page this comment was sent from, so it was not accepted. "
    "Please post it from the article page in an up-to-date browser."
)


def send(seed_article, comment_data, **headers):
    browser = Client(headers=headers)
    data = {**comment_data, "issued": fresh_stamp(browser)}
    return browser.post(reverse("comments:post", args=[seed_article.slug]), data)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": SITE},
        {"Referer": f"{SITE}/articles/some-article/"},
    ],
    ids=["fetch-metadata", "fetch-metadata-wins", "typed", "origin", "referer"],
)
def test_a_post_from_the_site_itself_is_taken(seed_article, comment_data, headers):
    """What every browser sends from the article page gets the comment in."""
    assert send(seed_article, comment_data, **headers).status_code == 302
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, CROSS_SITE),
        ({"Sec-Fetch-Site": "cross-site"}, CROSS_SITE),
        ({"Sec-Fetch-Site": "same-site", "Origin": "http://sub.testserver"}, CROSS_SITE),
        ({"Sec-Fetch-Site": "cross-site", "Origin": SITE}, CROSS_SITE),
        ({"Origin": "https://evil.example"}, CROSS_SITE),
        ({"Origin": "null"}, CROSS_SITE),
        ({"Origin": "https://testserver"}, CROSS_SITE),
        ({"Referer": "https://evil.example/page"}, CROSS_SITE),
        ({"Referer": "http://[testserver/page"}, CROSS_SITE),
        ({}, NO_ORIGIN),
    ],
    ids=[
        "cross-site",
        "cross-site-no-origin",
        "same-site-untrusted",
        "cross-site-claims-our-origin",
        "foreign-origin",
        "opaque-origin",
        "wrong-scheme",
        "foreign-referer",
        "unreadable-referer",
        "no-headers",
    ],
)
def test_a_post_from_elsewhere_gets_the_styled_403_with_the_text_kept(
    seed_article, comment_data, headers, message
):
    """403 in the site's style, the sentence, the reader's text to copy; nothing stored."""
    response = send(seed_article, comment_data, **headers)
    assert response.status_code == 403
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".refusal").get_text() == message
    assert soup.select_one("#typed-comment").get_text() == comment_data["body"]
    assert soup.select_one('link[rel=stylesheet][href*="site.css"]')
    assert Comment.objects.count() == 0


def test_a_trusted_origin_may_post(seed_article, comment_data, settings):
    """An origin in DJANGO_CSRF_TRUSTED_ORIGINS, exact or by subdomain, is the site's own."""
    settings.CSRF_TRUSTED_ORIGINS = ["https://blog.example.com", "https://*.example.org"]
    for origin in ("https://blog.example.com", "https://www.example.org"):
        headers = {"Sec-Fetch-Site": "same-site", "Origin": origin}
        assert send(seed_article, {**comment_data, "body": origin}, **headers).status_code == 302
    assert send(seed_article, comment_data, Origin="https://example.net").status_code == 403


def test_the_admin_keeps_djangos_token_csrf(superuser):
    """A staff form posted without its token is refused, even from the site itself."""
    browser = Client(enforce_csrf_checks=True, headers={"Sec-Fetch-Site": "same-origin"})
    browser.force_login(superuser)
    response = browser.post(reverse("admin:comments_moderationsettings_change", args=[1]), {})
    assert response.status_code == 403
    assert "Your form could not be sent" in response.content.decode()
