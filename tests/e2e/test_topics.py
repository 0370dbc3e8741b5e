"""A reader finds articles by topic, author and date in a real browser; axe finds nothing."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, TagFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def filed_article():
    """An article by Jonas, in Shoes (inside Gear), tagged Merino, among 25 others so tagged."""
    gear = CategoryFactory(name="Gear", slug="gear", description="Things our feet live in.")
    shoes = CategoryFactory(name="Shoes & insoles", slug="shoes", parent=gear)
    merino = TagFactory(name="Merino", slug="merino", description="Wool socks.")
    jonas = AuthorFactory(name="Jonas Lindqvist", slug="jonas")
    start = datetime(2025, 3, 28, 9, tzinfo=UTC)
    article = ArticleFactory(title="Breaking in trail shoes", author=jonas, published_at=start)
    article.categories.add(shoes)
    article.tags.add(merino)
    for number in range(25):
        older = ArticleFactory(
            title=f"Sock note {number}", published_at=start - timedelta(hours=number + 1)
        )
        older.tags.add(merino)
    return article


def test_a_reader_goes_from_the_article_to_its_tag_category_and_author(page, filed_article):
    """Each link is found by its accessible name and leads to a page headed by the topic."""
    page.goto(filed_article.get_absolute_url())
    page.get_by_role("link", name="Merino").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merino")
    expect(page.get_by_text("Wool socks.")).to_be_visible()
    expect(page.locator("article.entry-summary")).to_have_count(20)
    page.get_by_role("link", name="Older articles").click()
    expect(page).to_have_url(re.compile(r"/tags/merino/\?page=2$"))
    expect(page.locator("article.entry-summary")).to_have_count(6)

    page.goto(filed_article.get_absolute_url())
    page.get_by_role("link", name="Shoes & insoles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Shoes & insoles")
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    breadcrumb.get_by_role("link", name="Gear").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gear")
    expect(page.get_by_role("link", name="Breaking in trail shoes")).to_be_visible()

    page.goto(filed_article.get_absolute_url())
    page.get_by_role("link", name="Jonas Lindqvist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jonas Lindqvist")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "path",
    [
        "/articles/{slug}/",
        "/tags/merino/",
        "/tags/merino/?page=2",
        "/categories/shoes/",
        "/authors/jonas/",
        "/archive/2025/",
        "/archive/2025/03/",
    ],
)
def test_topic_pages_have_no_wcag_violations(
    open_context, filed_article, axe_violations, path, scheme
):
    """The article with its topics and every listing page: axe reports nothing at A and AA."""
    page = open_context(color_scheme=scheme).new_page()
    response = page.goto(path.format(slug=filed_article.slug))
    assert response.status == 200
    violations = axe_violations(page)
    assert not violations, "\n".join(violations)


def test_topic_pages_are_valid_html(open_context, filed_article, vnu_jar, tmp_path):
    """The article with its topics, a tag's, a category's and a month's page: no HTML error."""
    from tests.e2e.test_html_validity import nu_errors

    files = []
    for number, path in enumerate(
        [
            filed_article.get_absolute_url(),
            "/tags/merino/?page=2",
            "/categories/shoes/",
            "/archive/2025/03/",
        ]  # fmt: skip
    ):
        page = open_context().new_page()
        files.append(tmp_path / f"page-{number}.html")
        files[-1].write_text(page.goto(path).text())
    errors = nu_errors(vnu_jar, files)
    assert not errors, "\n".join(errors)
