"""
What a reader meets on a discussion: a jump to a comment lands with room above it,
and the edit deadline counts down in words, in the reader's browser.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import Person
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_permalink_lands_with_the_whole_comment_below_the_top_edge(open_context, seed_article):
    """/comments/N/ leads to #comment-N: its byline and text in view, not flush with the top."""
    comments = [
        CommentFactory(article=seed_article, author_name=f"Reader {n}", body=f"Thought {n}.")
        for n in range(30)
    ]
    target = comments[20]
    page = open_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(target.get_absolute_url())
    expect(page).to_have_url(f"{page.url.split('#')[0]}#comment-{target.pk}")
    box = page.evaluate(
        """id => {
            const rect = document.getElementById(id).getBoundingClientRect();
            return {top: rect.top, bottom: rect.bottom, height: window.innerHeight};
        }""",
        f"comment-{target.pk}",
    )
    assert 16 <= box["top"] <= 48, box
    assert box["bottom"] <= box["height"], box


def test_the_author_reads_how_long_they_may_still_edit(open_context, seed_article):
    """Right after posting: "Edit or withdraw your comment for 10 more minutes, until HH:MM UTC"."""
    reader = Person(open_context(), "mouse")
    reader.page.goto(seed_article.get_absolute_url())
    reader.write_comment("Counting down.", name="Kai", email="kai@example.net")
    note = reader.page.locator(".comment-edit-until")
    expect(note).to_have_text(re.compile(r"^for 10 more minutes, until \d\d:\d\d UTC$"))
    expect(reader.page.locator(".no-comments")).to_have_count(0)
