"""
The desk as a moderator coming from WordPress uses it: WordPress's keys, a
reply in three keys, many comments on the first screen of a laptop and a
phone, a long comment unfolded by a key, and a refused stale row that shows
where the comment stands now. The figures (keys, clicks, comments on the first
screen) are printed for the record (``pytest -s``).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from blog.models import Article
from comments.models import Comment
from tests.e2e.conftest import SCREENSHOT_DIR
from tests.e2e.test_desk import sequences_after_restore, sign_in
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HELD = 20
# A typical comment: two lines of text in the queue at 1366 px.
TYPICAL = (
    "My calves cramp most nights after a long walk. I tried magnesium and a stretch before "
    "bed, which helped a little. Did massage help anyone more than that?"
)
SIZES = {"laptop": (1366, 768), "phone": (375, 812)}
# At least this many typical comments whole on the first screen (issue 22, point 1).
FIRST_SCREEN = {"laptop": 5, "phone": 2}

WHOLE_ROWS = """() => Array.from(document.querySelectorAll('.desk-comment'))
  .map(comment => comment.closest('tr, .desk-card').getBoundingClientRect())
  .filter(box => box.top >= 0 && box.bottom <= window.innerHeight).length"""


@pytest.fixture
def typical_queue(seed_article) -> list[Comment]:
    """Twenty held comments of two lines each, on two articles, as the issue measured."""
    sequences_after_restore(Article)
    other = ArticleFactory(title="Night cramps and magnesium: what the trials found")
    return [
        CommentFactory(
            article=[seed_article, other][number % 2],
            status=Comment.Status.PENDING,
            author_name=f"Reader {number}",
            author_email=f"reader{number}@example.org",
            ip_address=f"203.0.113.{number}",
            held_reason="Every new comment is held for moderation.",
            body=TYPICAL,
        )
        for number in range(HELD)
    ]


def open_queue(open_context, moderator, size: str) -> Page:
    width, height = SIZES[size]
    page = open_context(viewport={"width": width, "height": height}).new_page()
    sign_in(page, moderator)
    return page


@pytest.mark.parametrize("size", SIZES)
def test_the_first_screen_shows_many_typical_comments_whole(
    size, open_context, typical_queue, moderator
):
    """1366×768: at least 5 whole rows, each with its buttons; 375×812: at least 2."""
    page = open_queue(open_context, moderator, size)
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / f"desk-first-screen-{size}.png")
    whole = page.evaluate(WHOLE_ROWS)
    first = page.locator(".desk-comment").first.evaluate(
        "c => Math.round(c.closest('tr, .desk-card').getBoundingClientRect().top)"
    )
    print(f"\nFIGURE {size} {SIZES[size]}: {whole} comments whole on the first screen, "
          f"the first starting {first} px down")  # fmt: skip
    assert whole >= FIRST_SCREEN[size]
    # Nothing removed: every decision, the reply, the search and the commenter's details.
    row = page.locator(f"#desk-comment-{typical_queue[-1].pk}").locator("xpath=ancestor::tr")
    for name in ["Approve", "Spam", "Remove"]:
        expect(row.get_by_role("button", name=re.compile(f"^{name}"))).to_be_visible()
    expect(row).to_contain_text("reader19@example.org")
    expect(row).to_contain_text("203.0.113.19")
    expect(row).to_contain_text("Every new comment is held for moderation.")
    expect(row.get_by_text("Approve and reply")).to_be_visible()
    # The tools are folded, and open when asked for.
    tools = page.get_by_text("Search and filters")
    tools.click()
    expect(page.locator("#searchbar")).to_be_visible()
    expect(page.get_by_label("Find a commenter by email")).to_be_visible()
