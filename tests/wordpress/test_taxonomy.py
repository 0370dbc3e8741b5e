"""
A WordPress blog's categories, tags and authors come over whole, go back out, and their
old addresses lead here (wordpress/taxonomy.py), on the real export in
/work/shared/reference/wordpress-blog-export and on files built in its shape.
"""

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core import serializers

from blog.models import Article, Author, Category, Tag
from tests.wordpress.builder import cdata, post, write_export
from tests.wordpress.test_export import blog_state, empty_the_blog, export_to

pytestmark = pytest.mark.django_db

# A copy of /work/shared/reference/wordpress-blog-export/export.xml, WordPress 6.1's own.
REFERENCE = Path(__file__).resolve().parent / "data" / "wordpress-blog-export.xml"


@pytest.fixture
def reference():
    """The real WordPress 6.1 export: nested categories, tags with descriptions, an author."""
    return REFERENCE


def test_categories_tags_and_authors_come_over_with_slugs_descriptions_and_nesting(
    import_file, reference
):
    """The reference's nested categories, tags and author, as WordPress declared them."""
    run = import_file(reference)
    assert "New here: 3 categories, 3 tags, 1 author." in run.summary
    assert sorted(Category.objects.values_list("slug", "name", "parent__slug", "description")) == [
        ("gear", "Gear", None, "Shoes, socks and the other things our feet live in."),
        ("recovery", "Recovery", None, "The hours after a long day on your feet."),
        (
            "shoes-and-insoles",
            "Shoes & insoles",
            "gear",
            "Fitting, breaking in and wearing out: what we learned from each pair.",
        ),
    ]
    assert sorted(Tag.objects.values_list("slug", "name", "description")) == [
        ("apres-run", "Après-run", "What to do once the run is over."),
        ("arch-support", "Arch support", "Insoles, lacing and shoes that hold the arch."),
        ("merino", "Merino", "Wool socks and why they keep feet calmer."),
    ]
    assert list(Author.objects.values_list("slug", "name")) == [("jonas", "Jonas Lindqvist")]


def test_each_article_is_filed_as_its_post_was(import_file, reference, client):
    """Every post's categories, tags and byline; the article page shows them."""
    import_file(reference)
    article = Article.objects.get(title__startswith="Breaking in new trail shoes")
    assert article.author.name == "Jonas Lindqvist"
    assert list(article.categories.values_list("slug", flat=True)) == ["shoes-and-insoles"]
    assert sorted(article.tags.values_list("slug", flat=True)) == ["apres-run", "arch-support"]
    soup = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    assert soup.select_one("a.byline").get_text() == "Jonas Lindqvist"
    assert [a.get_text() for a in soup.select('a[rel="tag"]')] == ["Après-run", "Arch support"]
    # The parent category's page lists its child's articles.
    gear = client.get("/categories/gear/").content.decode()
    assert "Breaking in new trail shoes" in gear


def test_an_author_is_a_byline_never_an_account_nor_an_address(import_file, reference):
    """The export's author email goes nowhere: no user, no field, no row holds it."""
    from django.contrib.auth import get_user_model

    import_file(reference)
    assert not get_user_model().objects.exists()
    rows = serializers.serialize("json", [*Author.objects.all(), *Article.objects.all()])
    assert "jonas.lindqvist@example.org" not in rows
    assert "example.org" not in rows


def test_importing_again_adds_and_changes_nothing(import_file, reference):
    """The same file twice: the same topics, the second run makes none."""
    import_file(reference)
    before = blog_state()
    Tag.objects.filter(slug="merino").update(description="Edited here.")
    run = import_file(reference)
    assert "New here" not in run.summary
    assert Tag.objects.get(slug="merino").description == "Edited here."
    Tag.objects.filter(slug="merino").update(
        description="Wool socks and why they keep feet calmer."
    )
    assert blog_state() == before


def test_the_round_trip_keeps_categories_tags_and_bylines(import_file, reference, export_path):
    """Reference → here → export_wordpress → an empty blog: the same topics and filings."""
    import_file(reference)
    before = blog_state()
    export_to(export_path)
    empty_the_blog()
    import_file(export_path)
    assert blog_state() == before
    assert Category.objects.get(slug="shoes-and-insoles").parent.slug == "gear"


def test_the_export_writes_terms_as_wordpress_does(import_file, reference, export_path):
    """wp:category with its parent, wp:tag with its description, each post's <category>."""
    import_file(reference)
    export_to(export_path)
    text = export_path.read_text()
    assert "<wp:category_nicename><![CDATA[shoes-and-insoles]]></wp:category_nicename>" in text
    assert "<wp:category_parent><![CDATA[gear]]></wp:category_parent>" in text
    assert "<wp:tag_description><![CDATA[Wool socks and why they keep feet calmer.]]>" in text
    assert '<category domain="post_tag" nicename="apres-run"><![CDATA[Après-run]]>' in text
    assert "<dc:creator><![CDATA[jonas]]></dc:creator>" in text
    # A byline has no address to write back (a comment of his keeps its own, as comments do).
    assert (
        "<wp:author_login><![CDATA[jonas]]></wp:author_login>"
        "<wp:author_email><![CDATA[]]></wp:author_email>"
    ) in text


def terms_export(tmp_path, channel: str, terms: str = "") -> Path:
    body = post(7, name="filed", content="<p>Text.</p>").replace(
        '<category domain="category" nicename="uncategorized"><![CDATA[Uncategorized]]></category>',
        terms,
    )
    return write_export(tmp_path / "terms.xml", channel, body)


def test_a_tag_of_ten_thousand_characters_is_cut_and_reported(import_file, tmp_path):
    """An absurd tag name: cut to the field's length, said on its line, the post imported."""
    name = "x" * 10_000
    channel = (
        f"<wp:tag><wp:term_id>5</wp:term_id><wp:tag_slug>{cdata('long')}</wp:tag_slug>"
        f"<wp:tag_name>{cdata(name)}</wp:tag_name></wp:tag>"
    )
    terms = f'<category domain="post_tag" nicename="{"y" * 10_000}">{cdata(name)}</category>'
    run = import_file(terms_export(tmp_path, channel, terms))
    assert "tag “long”: its name was cut to 100 characters." in run.out
    assert Tag.objects.get(slug="long").name == "x" * 99 + "…"
    long_slug = Tag.objects.exclude(slug="long").get()
    assert len(long_slug.slug) == 100
    assert list(Article.objects.get(slug="filed").tags.all()) == [long_slug]


def test_missing_parents_loops_and_nameless_terms_are_reported(import_file, tmp_path):
    """A parent not declared, two categories inside each other, a term with no name: sentences."""

    def category(slug: str, parent: str = "", name: str | None = None) -> str:
        return (
            f"<wp:category><wp:term_id>1</wp:term_id>"
            f"<wp:category_nicename>{cdata(slug)}</wp:category_nicename>"
            f"<wp:category_parent>{cdata(parent)}</wp:category_parent>"
            f"<wp:cat_name>{cdata(slug.title() if name is None else name)}</wp:cat_name>"
            "</wp:category>"
        )

    channel = category("orphan", "nowhere") + category("a", "b") + category("b", "a")
    channel += category("", "", "")
    run = import_file(terms_export(tmp_path, channel))
    assert "category “orphan” sits inside “nowhere”, which the export does not declare" in run.out
    assert "would sit inside itself: imported at the top." in run.out
    assert "a category with no name or slug that makes an address: skipped." in run.out
    assert Category.objects.get(slug="orphan").parent is None
    assert Article.objects.filter(slug="filed").exists()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/category/gear/", "/categories/gear/"),
        ("/category/gear/shoes-and-insoles/", "/categories/shoes-and-insoles/"),
        ("/category/gear/shoes-and-insoles/feed/", "/categories/shoes-and-insoles/feed/"),
        ("/category/gear/page/2/", "/categories/gear/?page=2"),
        ("/tag/merino/", "/tags/merino/"),
        ("/tag/merino/feed/", "/tags/merino/feed/"),
        ("/tag/merino/feed/atom/", "/tags/merino/feed/"),
        ("/author/jonas/", "/authors/jonas/"),
        ("/author/jonas/feed/", "/authors/jonas/feed/"),
        ("/2026/10/", "/archive/2026/10/"),
        ("/2026/10/21/", "/archive/2026/10/"),
        ("/2026/", "/archive/2026/"),
        ("/2026/feed/", "/feed/"),
        ("/2026/10/feed/", "/feed/"),
        ("/page/2/", "/?page=2"),
    ],
)
def test_old_topic_and_archive_addresses_redirect_for_good(
    import_file, reference, client, settings, old, new
):
    """Each WordPress address of a listing is a 301 to the page here that lists the same."""
    import_file(reference)
    response = client.get(old)
    assert response.status_code == 301, old
    assert response["Location"] == f"{settings.SITE_URL}{new}"
    if "?page=" not in new:  # three posts fill no second page
        assert client.get(new).status_code == 200


@pytest.mark.parametrize(
    "old", ["/category/nope/", "/tag/nope/feed/", "/author/nobody/", "/1999/", "/2026/13/", "/tag/"]
)
def test_old_addresses_of_nothing_here_are_404(import_file, reference, client, old):
    """A topic or month with nothing here: the usual 404, not a redirect to an empty page."""
    import_file(reference)
    assert client.get(old).status_code == 404


def test_a_tag_in_a_script_slugs_cannot_hold_keeps_its_name_and_gets_an_address(
    import_file, tmp_path, client
):
    """A Japanese tag (percent-encoded nicename): kept by name, with a page of its own."""
    channel = (
        f"<wp:tag><wp:term_id>5</wp:term_id><wp:tag_slug>{cdata('%e6%97%a5')}</wp:tag_slug>"
        f"<wp:tag_name>{cdata('日本語')}</wp:tag_name></wp:tag>"
    )
    terms = f'<category domain="post_tag" nicename="%e6%97%a5">{cdata("日本語")}</category>'
    path = terms_export(tmp_path, channel, terms)
    import_file(path)
    import_file(path)
    tag = Tag.objects.get()
    assert tag.name == "日本語" and tag.slug.startswith("tag-")
    assert list(Article.objects.get(slug="filed").tags.all()) == [tag]
    assert "日本語" in client.get(tag.get_absolute_url()).content.decode()
