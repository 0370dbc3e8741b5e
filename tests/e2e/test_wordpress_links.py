"""An old WordPress link to a comment, opened in a browser, lands on that comment."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from playwright.sync_api import Page, expect

from blog.models import Article
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory
from tests.wordpress.builder import SAMPLE
from wordpress.models import ImportedPost

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

OLD_POST = "/2025/01/15/unlocking-relief-can-massage-therapy-stop-foot-cramps-for-good/"


@pytest.fixture(autouse=True)
def _site_is_the_live_server(settings, live_server):
    """Redirects lead to DJANGO_SITE_URL: here, the server the browser talks to."""
    settings.SITE_URL = live_server.url


@pytest.fixture(autouse=True)
def _sequences_past_the_restored_rows():
    """
    The seed article is restored with its id, which PostgreSQL's sequence does not see:
    move the sequences past it, as a migrated database has them.
    """
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Article, Comment]):
            cursor.execute(sql)


def import_sample() -> None:
    call_command("import_wordpress", str(SAMPLE), stdout=StringIO(), stderr=StringIO())


def targeted(page: Page) -> str:
    """The text of the comment the page's :target is in (what the browser scrolled to)."""
    return page.evaluate(
        "() => document.querySelector(':target').closest('li.comment')"
        ".querySelector('.comment-author').textContent.trim()"
    )


def test_an_old_comment_link_lands_on_the_comment_that_kept_its_id(page: Page):
    """/2025/01/15/…/#comment-12: redirected, and comment 12 (Omar's) is in view."""
    import_sample()
    article = ImportedPost.objects.get(wp_id=4).article
    page.goto(f"{OLD_POST}#comment-12")
    expect(page).to_have_url(re.compile(rf"{article.get_absolute_url()}#comment-12$"))
    assert targeted(page) == "Omar Said"
    expect(page.locator("#comment-12")).to_be_in_viewport()


def test_an_old_comment_link_lands_when_its_id_was_taken(page: Page):
    """Id 12 was taken here: Omar's comment has another, and the old link still lands on it."""
    holder = CommentFactory(article=ArticleFactory(), author_name="Someone Else")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Comment._meta.db_table} SET id = 12 WHERE id = %s", [holder.pk])
    import_sample()
    omar = Comment.objects.get(author_name="Omar Said")
    assert omar.pk != 12
    page.goto("/?p=4#comment-12")
    expect(page).to_have_url(re.compile(r"#comment-12$"))
    assert targeted(page) == "Omar Said"
    expect(page.locator(f"#comment-{omar.pk}")).to_be_in_viewport()
