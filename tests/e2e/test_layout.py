"""
The article and its comments at phone and desktop widths, light and dark, and
still usable at 200% zoom and at 320 CSS pixels. Screenshots go to e2e-screenshots/.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import Person, show
from tests.e2e.conftest import SCREENSHOT_DIR

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def overflows_sideways(page: Page) -> bool:
    """Whether the reader would have to scroll left and right to read."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


def background_luminance(page: Page) -> float:
    """Relative lightness of the page background, 0 (black) to 1 (white)."""
    return page.evaluate(
        """() => {
          const [r, g, b] = getComputedStyle(document.body).backgroundColor
            .match(/\\d+/g).map(Number);
          return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
        }"""
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_article_and_comments_at_phone_and_desktop(width, scheme, open_context, seed_article):
    """Nothing spills sideways, the scheme follows the system's; screenshots are written."""
    viewport = {"width": width, "height": 812 if width < 600 else 900}
    page = open_context(viewport=viewport, color_scheme=scheme).new_page()
    show(page, "threaded", seed_article)
    assert not overflows_sideways(page)
    if scheme == "dark":
        assert background_luminance(page) < 0.2
    else:
        assert background_luminance(page) > 0.8

    SCREENSHOT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / f"article-{width}-{scheme}.png", full_page=True)
    page.locator("#comments").screenshot(path=SCREENSHOT_DIR / f"comments-{width}-{scheme}.png")
    # What a reader sees on arriving at the comments: docs/ keeps two of these.
    page.locator("#comments").evaluate("section => section.scrollIntoView()")
    page.screenshot(path=SCREENSHOT_DIR / f"view-{width}-{scheme}.png")
    assert (SCREENSHOT_DIR / f"view-{width}-{scheme}.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    "viewport",
    [
        pytest.param({"width": 640, "height": 360, "device_scale_factor": 2}, id="zoom-200"),
        pytest.param({"width": 320, "height": 480, "device_scale_factor": 1}, id="width-320"),
    ],
)
def test_comment_at_high_zoom_and_narrow_width(viewport, open_context, seed_article):
    """Zoomed in (a 1280 px window at 200%) or 320 px wide, one can read, reply and comment."""
    scale = viewport.pop("device_scale_factor")
    reader = Person(open_context(viewport=viewport, device_scale_factor=scale), "mouse")
    page = reader.page
    show(page, "threaded", seed_article)
    assert not overflows_sideways(page)

    page.get_by_role("link", name="Reply to Ana Lima").first.click()
    form = page.locator("#commentform")
    box = form.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    reader.write_comment("Readable when zoomed.", name="Lea", email="lea@example.org")
    notice = page.get_by_role("article", name="Comment by Lea").get_by_role("status")
    expect(notice).to_have_text("Your comment is awaiting moderation.")
    expect(notice).to_be_in_viewport()
    assert not overflows_sideways(page)
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / f"posted-{viewport['width']}px-x{scale}.png")


@pytest.mark.parametrize("name", ["paged", "edit"])
@pytest.mark.parametrize("width", [320, 1280])
def test_comment_pages_and_the_edit_form_fit_a_phone(name, width, open_context, seed_article):
    """The page links wrap, long links in comments break, the edit form fits: no sideways scroll."""
    page = open_context(viewport={"width": width, "height": 800}).new_page()
    show(page, name, seed_article)
    assert not overflows_sideways(page)
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / f"{name}-{width}.png", full_page=True)
