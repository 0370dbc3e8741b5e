"""
The spam filter that learns, in a real browser: a moderator sees each comment's
score and what weighed most, takes a genuine comment out of spam with one key
(n) and the filter learns at once; a reader's spam posted through the page is
then caught by it, and the desk says why.
"""

import re

import pytest
from playwright.sync_api import expect

from blog.models import Article
from comments.models import Comment
from comments.moderation import change_status
from comments.spam_filter import judge_comment, sample_of
from spam import filter as spam_filter
from spam.models import FilterState
from tests.e2e.browsing import open_as
from tests.e2e.conftest import SCREENSHOT_DIR
from tests.e2e.test_desk import CHANGELIST, sequences_after_restore, sign_in
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
SPAM = [
    "Cheap replica watches, best prices, order now at https://watches{n}.example/shop",
    "Make $900 a day working from home!!! Click https://easy-cash{n}.example now",
    "Best online casino, 200 free spins bonus: https://spins{n}.example/bonus",
]
GENUINE = [
    "Stretching my calves before bed has helped, thank you for writing this ({n}).",
    "My physiotherapist said much the same about hydration and magnesium, note {n}.",
    "Does massage help with cramps in the arch of the foot as well? Day {n} of trying.",
]
MISCAUGHT = "FREE tip!!! Stretch your calves before bed every night, it works for my cramps"


@pytest.fixture
def trainer(seed_article, moderator, settings):
    """The moderator who made twenty-five decisions of each kind: enough for the filter to act."""
    sequences_after_restore(Article)
    settings.SPAM_MIN_DECISIONS = 20
    for n in range(25):
        for texts, status in [(SPAM, Comment.Status.SPAM), (GENUINE, Comment.Status.APPROVED)]:
            comment = CommentFactory(
                article=seed_article,
                status=Comment.Status.PENDING,
                body=texts[n % 3].format(n=n),
                user_agent=CHROME,
            )
            change_status(comment, status, by=moderator)
    return moderator


def test_not_spam_is_one_key_and_the_filter_learns_from_it_at_once(
    open_context, trainer, seed_article
):
    """In the spam tab: the score and clues shown, j then n, and the filter has learned."""
    caught = CommentFactory(
        article=seed_article, status=Comment.Status.SPAM, body=MISCAUGHT, user_agent=CHROME
    )
    judge_comment(caught)
    caught.save()
    probe = sample_of(CommentFactory.build(body=MISCAUGHT, user_agent=CHROME))
    before = spam_filter.judge(probe).score
    taught_before = FilterState.load().genuine

    page = open_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, trainer, f"{CHANGELIST}?status=spam")
    row = page.locator(f"#desk-comment-{caught.pk}")
    expect(row.locator(".desk-spam")).to_contain_text(
        f"Spam score: {spam_filter.percent(caught.spam_score)}%"
    )
    expect(row.locator(".desk-signals")).to_contain_text("spam,")
    expect(page.locator(".desk-learning")).to_contain_text("25 spam and 25 genuine decisions")
    page.screenshot(path=SCREENSHOT_DIR / "desk-spam-tab-scores.png", full_page=True)

    rows = page.locator(".desk-row")
    first = rows.first.locator(".desk-comment").get_attribute("data-comment-id")
    assert first == str(caught.pk), "the newest spam comes first"
    page.keyboard.press("j")
    page.keyboard.press("n")
    expect(row.locator(".desk-notice")).to_contain_text("1 comment moved back to pending.")
    expect(page.locator("#desk-live")).to_contain_text("moved back to pending")

    caught.refresh_from_db()
    assert caught.status == Comment.Status.PENDING
    assert caught.spam_lessons.get().label == "genuine"
    assert FilterState.load().genuine == taught_before + 1
    assert spam_filter.judge(probe).score < before


def test_spam_a_reader_posts_is_caught_and_the_desk_says_why(
    open_context, trainer, seed_article, axe_violations
):
    """A spammer at the form gets the usual answer; the desk shows it in spam, with its score."""
    spammer = open_as(open_context, "mouse")
    spammer.page.goto(seed_article.get_absolute_url())
    spammer.write_comment(
        "Best online casino, 200 free spins bonus: https://spins77.example/bonus",
        name="Lucky Spins",
        email="win@spins77.example",
    )
    caught = Comment.objects.get(author_name="Lucky Spins")
    assert caught.status == Comment.Status.SPAM
    expect(spammer.page.locator(f"#comment-{caught.pk}")).to_contain_text(
        "Your comment is awaiting moderation."
    )

    page = open_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, trainer, f"{CHANGELIST}?status=spam")
    row = page.locator(f"#desk-comment-{caught.pk}")
    expect(row.locator(".desk-held")).to_have_text(
        re.compile(r"Why held: Looks like spam \(\d\d%\)\.")
    )
    expect(row.locator(".desk-signals")).to_contain_text("Spam-like: a link to a .example address")
    # The "Likely spam" filter and the score column's sort, as a moderator uses them.
    page.get_by_text("Search and filters").click()
    page.get_by_role("link", name=re.compile("Likely spam")).click()
    expect(page.locator(f"#desk-comment-{caught.pk}")).to_be_visible()
    page.locator("th.column-spam_score_column a").first.click()
    expect(page.locator(f"#desk-comment-{caught.pk}")).to_be_visible()
    page.screenshot(path=SCREENSHOT_DIR / "desk-likely-spam.png", full_page=True)
    assert axe_violations(page) == []
