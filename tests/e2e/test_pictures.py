"""
Pictures in a real browser: staff upload one in the admin and place it in an
article by pasting the line the admin gives; a reader sees it, sharp and
responsive, with no accessibility violation.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from blog.models import Article
from pictures.models import Picture
from tests.e2e.conftest import SCREENSHOT_DIR
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery"
PHOTO = Path(__file__).resolve().parents[1] / (
    "wordpress/data/wordpress-blog-export/uploads/2026/09/trail-shoes-by-the-door.jpg"
)


@pytest.fixture(autouse=True)
def _pictures_from_the_live_server(settings):
    """No nginx in front of the live server: it answers /media/ itself (pictures/views.py)."""
    settings.PICTURES_SERVED_BY_APP = True


def test_staff_upload_and_place_a_picture_that_readers_see(
    context, open_context, axe_violations, live_server
):
    """Upload with alt text, copy the reference, publish; the reader's browser shows it."""
    UserFactory(username="editor", password=PASSWORD, is_staff=True, is_superuser=True)
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('admin:pictures_picture_add')}")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Without alt text the admin refuses, and keeps the rest of the form.
    page.get_by_label("Picture file").set_input_files(str(PHOTO))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("Describe the picture")
    page.get_by_label("Picture file").set_input_files(str(PHOTO))
    page.get_by_label("Alt text").fill("Orange trail shoes on a green doormat")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    reference = page.locator("input.picture-reference").first.input_value()
    assert re.fullmatch(r"!\[Orange trail shoes on a green doormat\]\(picture:\d+\)", reference)

    page.goto(f"{live_server.url}{reverse('admin:blog_article_add')}")
    page.get_by_label("Title").fill("New shoes, old habits")
    page.get_by_label("Body").fill(f"Two weeks in, and no cramps yet.\n\n{reference}\n\nMore soon.")
    page.get_by_label("Status").select_option("published")
    page.locator("#id_published_at_0").fill("2026-01-01")
    page.locator("#id_published_at_1").fill("10:00:00")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    article = Article.objects.get(title="New shoes, old habits")
    assert Picture.objects.count() == 1

    reader = open_context(viewport={"width": 1280, "height": 900}).new_page()
    reader.goto(f"{live_server.url}{article.get_absolute_url()}")
    image = reader.get_by_role("img", name="Orange trail shoes on a green doormat")
    expect(image).to_be_visible()
    reader.wait_for_function(
        "() => [...document.images].every(image => image.complete && image.naturalWidth > 0)"
    )
    shown = image.evaluate(
        "image => ({src: image.currentSrc, natural: image.naturalWidth, width: image.width,"
        " height: image.height})"
    )
    assert "/media/pictures/" in shown["src"] and shown["src"].endswith(".webp")
    assert shown["natural"] >= shown["width"] > 0  # sharp: never stretched
    assert abs(shown["height"] / shown["width"] - 1067 / 1600) < 0.01  # no distortion
    assert axe_violations(reader) == []
    # README's docs/screenshot-picture.png is a copy of this one.
    reader.screenshot(path=SCREENSHOT_DIR / "article-with-picture.png")
