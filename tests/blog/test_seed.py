"""The seed article reads exactly as the captured WordPress page."""

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from blog.models import Article
from tests.conftest import SEED_SLUG

pytestmark = pytest.mark.django_db

SEED = Path(__file__).parent / "data" / "cramp-relief-post.txt"
# The capture ends with the page's comment area, which is not article text.
COMMENT_AREA_LINES = 4


def seed_lines() -> list[str]:
    """The capture's non-empty lines, without the list markers a text capture adds."""
    lines = []
    for raw in SEED.read_text(encoding="utf-8").splitlines():
        line = raw.strip().removeprefix("•").strip()
        if line[:2] in {"1.", "2."}:
            line = line[2:].strip()
        if line:
            lines.append(line)
    return lines


def page(client, article) -> BeautifulSoup:
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def article_blocks(soup: BeautifulSoup) -> list[str]:
    """The article's text blocks in reading order, leaving out the publication date line."""
    entry = soup.select_one("main article.entry")
    blocks = entry.find_all(["h1", "h2", "h3", "p", "li"])
    return [
        block.get_text(" ", strip=True)
        for block in blocks
        if "entry-meta" not in (block.get("class") or [])
    ]


def test_seed_article_is_published_after_migrate(client):
    """The migration alone publishes the article: no manual step."""
    article = Article.objects.published().get(slug=SEED_SLUG)
    assert article.title == seed_lines()[0]
    assert article.standfirst == "Does Massage Help Foot Cramps?"


def test_page_reads_as_the_seed_line_by_line(client, seed_article):
    """Title in <title>, then every line of the capture in order, comment area included."""
    soup = page(client, seed_article)
    expected = seed_lines()
    assert expected[0] in soup.title.get_text()

    article_text = expected[1:-COMMENT_AREA_LINES]
    assert article_blocks(soup) == article_text

    comment_area = [
        soup.select_one("#comments-title").get_text(strip=True),
        soup.select_one(".no-comments").get_text(strip=True),
        soup.select_one("#reply-title").get_text(strip=True),
        soup.select_one(".comment-notes").get_text(" ", strip=True),
    ]
    assert comment_area == expected[-COMMENT_AREA_LINES:]


def test_title_is_the_only_h1(client, seed_article):
    """The title appears once as the page heading."""
    soup = page(client, seed_article)
    assert [h1.get_text(strip=True) for h1 in soup.find_all("h1")] == [seed_article.title]


def test_section_titles_are_headings_with_sub_sections_as_h3(client, seed_article):
    """Each section title is an h2, or an h3 where it belongs to the section before."""
    soup = page(client, seed_article)
    content = soup.select_one(".entry-content")
    headings = [(h.name, h.get_text(strip=True)) for h in content.find_all(["h2", "h3"])]
    assert headings == [
        ("h2", "Understanding the Relationship Between Massage Therapy and Foot Cramps"),
        ("h3", "What are Foot Cramps and How Do They Affect People?"),
        ("h3", "Understanding What Triggers Foot Cramps"),
        ("h2", "Can Massage Indeed Help Relieve Foot Cramps?"),
        ("h2", "Using Massage for Long-Term Relief from Foot Cramps"),
        ("h3", "Incorporating Essential Oils into Foot Massage Therapy"),
        ("h3", "Incorporating Stretches into Foot Massage Therapy"),
        ("h2", "Using Massage as a Therapeutic Complement to Physical Exercise"),
        ("h3", "Promoting Muscle Recovery"),
        ("h3", "Creating a Balanced Exercise Routine"),
        ("h2", "Conclusion"),
    ]


def test_lists_keep_their_kind_and_bold_lead_ins(client, seed_article):
    """Four bulleted lists and one numbered list, each item led by bold words."""
    content = page(client, seed_article).select_one(".entry-content")
    bulleted = content.find_all("ul")
    numbered = content.find_all("ol")
    assert [len(ul.find_all("li")) for ul in bulleted] == [3, 3, 3, 3]
    assert [len(ol.find_all("li")) for ol in numbered] == [2]
    lead_ins = [li.strong.get_text() for li in content.find_all("li")]
    assert lead_ins[:2] == ["Electrolyte imbalance:", "Lack of hydration:"]
    assert "Relax muscles:" in lead_ins
    assert lead_ins[-2:] == ["Consult your doctor:", "Keep a sports diary:"]
    for li in content.find_all("li"):
        assert li.get_text().startswith(li.strong.get_text())


def test_standfirst_follows_the_title(client, seed_article):
    """The capture's second line sits under the title, styled as a standfirst."""
    soup = page(client, seed_article)
    standfirst = soup.select_one("h1 + p.standfirst")
    assert standfirst.get_text(strip=True) == "Does Massage Help Foot Cramps?"


@pytest.mark.django_db(transaction=True)
def test_seed_migration_is_reversible():
    """Migrating back removes the article; forward again restores it."""
    call_command("migrate", "blog", "0001", verbosity=0)
    assert not Article.objects.filter(slug=SEED_SLUG).exists()
    # Forward again for every app: going back to blog 0001 also unapplied the
    # comments app, whose tables later (browser) tests need.
    call_command("migrate", verbosity=0)
    assert Article.objects.published().filter(slug=SEED_SLUG).count() == 1
