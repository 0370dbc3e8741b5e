"""export_wordpress: leaving is possible, and a round trip changes nothing."""

import os
import stat
from datetime import timedelta

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from blog.models import Article
from comments.models import Comment
from mentions.models import Mention
from tests.factories import ArticleFactory, CommentFactory
from tests.wordpress.builder import SAMPLE, comment, post, write_export
from tests.wordpress.conftest import run_command
from wordpress import wxr
from wordpress.models import ImportedComment, ImportedPost, WordPressSite

pytestmark = pytest.mark.django_db

ARTICLE_FIELDS = ["title", "slug", "standfirst", "body", "body_html", "status", "published_at",
                  "comments_open", "comments_close_at"]  # fmt: skip
COMMENT_FIELDS = ["author_name", "author_email", "author_url", "body", "status", "created_at",
                  "ip_address", "user_agent", "held_reason", "depth"]  # fmt: skip


def export_to(path, *args) -> str:
    return run_command("export_wordpress", str(path), *args)


def seconds(value):
    """WordPress keeps times to the second: so does a round trip through its format."""
    return value.replace(microsecond=0) if hasattr(value, "microsecond") else value


def blog_state() -> list:
    """Every article with its comments (threads by position) and mentions, as readers meet them."""
    state = []
    for article in Article.objects.order_by("slug"):
        comments = list(article.comments.order_by("created_at", "pk"))
        index = {c.pk: n for n, c in enumerate(comments)}
        state.append(
            (
                [seconds(getattr(article, name)) for name in ARTICLE_FIELDS],
                [
                    [seconds(getattr(c, name)) for name in COMMENT_FIELDS]
                    + [index.get(c.parent_id)]
                    for c in comments
                ],
                list(
                    article.mentions.order_by("pk").values_list(
                        "kind", "title", "url", "excerpt", "status", "created_at"
                    )
                ),
            )
        )
    return state


def empty_the_blog() -> None:
    for model in (ImportedComment, ImportedPost, WordPressSite, Mention, Comment, Article):
        model.objects.all().delete()


@pytest.fixture
def rich_blog(import_file, sample, tmp_path):
    """The sample, a held reply, a mention, a draft, a future article and one written here."""
    import_file(sample)
    import_file(
        write_export(
            tmp_path / "more.xml",
            post(
                5,
                name="second",
                title="Tom & Jerry <on> cramps",
                excerpt="A line.",
                content="<p>Text with <em>emphasis</em> and a <a href='https://x.example/'>link</a>.</p>",
                comments=[
                    comment(51, approved="trash", content="Trashed."),
                    comment(52, parent=51, content="Approved under trash: held.", agent="UA/1"),
                    comment(53, kind="pingback", author="Elsewhere", url="https://e.example/p"),
                    comment(54, approved="spam", content="Buy <b>now</b> & save"),
                ],
            ),
        )
    )
    mine = ArticleFactory(
        slug="written-here",
        body="Written *here*, with\r\n\r\n- a list",
        comments_open=False,
        comments_close_at=timezone.now() + timedelta(days=3),
    )
    CommentFactory(article=mine, author_email="Maya@Example.net", body="a < b & c")
    ArticleFactory(slug="a-draft", status="draft")
    ArticleFactory(slug="future", published_at=timezone.now() + timedelta(days=30))


def test_the_export_has_the_structure_of_wordpress_own(rich_blog, export_path):
    """Every element name the sample has, in the same places; readable as WXR 1.2."""
    export_to(export_path)

    def shape(path):
        import re

        return set(
            re.findall(
                r"<((?:wp|dc|content|excerpt):\w+|item|channel|rss|title|link|guid|pubDate|category)\b",
                path.read_text(),
            )
        )

    assert shape(SAMPLE) <= shape(export_path)
    entries = list(wxr.read(export_path.open("rb")))
    site = (
        entries[0]
        if isinstance(entries[0], wxr.Site)
        else next(e for e in entries if isinstance(e, wxr.Site))
    )
    assert site.version == "1.2"
    posts = {p.name: p for p in entries if isinstance(p, wxr.Post)}
    assert {"draft", "future", "publish"} == {p.status for p in posts.values()}
    assert posts["future"].status == "future" and posts["a-draft"].status == "draft"
    second = posts["second"]
    assert {c.type for c in second.comments} == {"comment", "pingback"}
    assert {c.approved for c in second.comments} == {"trash", "0", "spam", "1"}
    assert posts[Article.objects.get(comments__pk=12).slug].comments[1].parent == "11"


def test_the_emails_are_decrypted_into_the_file_alone(rich_blog, export_path):
    """The file holds the addresses (WordPress needs them); it is readable by its owner only."""
    run = export_to(export_path)
    text = export_path.read_text()
    assert "<wp:comment_author_email><![CDATA[omar@example.org]]>" in text
    assert "<![CDATA[Maya@Example.net]]>" in text
    assert stat.S_IMODE(os.stat(export_path).st_mode) == 0o600
    assert "omar@" not in run.out + run.err
    assert "holds the email addresses of 6 commenters in clear text" in run.err
    assert "delete it (rm" in run.err
    assert run.out.startswith("Exported 6 articles, 8 comments (3 approved, 2 pending, 1 spam")


def test_the_export_is_never_written_to_the_terminal_nor_over_a_file(rich_blog, export_path):
    """ "-" is refused; an existing file is kept unless --force."""
    with pytest.raises(CommandError, match="never to the terminal"):
        export_to("-")
    export_path.write_text("keep me")
    with pytest.raises(CommandError, match="exists already; add --force"):
        export_to(export_path)
    assert export_path.read_text() == "keep me"
    export_to(export_path, "--force")
    assert "<wp:wxr_version>1.2</wp:wxr_version>" in export_path.read_text()


def test_a_round_trip_gives_the_same_articles_and_comments(rich_blog, export_path, import_file):
    """Import → export → import into an empty blog: the same articles, comments and mentions."""
    before = blog_state()
    export_to(export_path)
    empty_the_blog()
    run = import_file(export_path)
    assert blog_state() == before
    assert "problem" not in run.summary or "1 problem" in run.summary  # the future article, said so


def test_importing_its_own_export_here_again_changes_nothing(rich_blog, export_path, import_file):
    """The file's ids are this blog's own: every article and comment is already here."""
    before = blog_state()
    export_to(export_path)
    run = import_file(export_path)
    assert blog_state() == before
    assert "Imported 0 articles; 0 comments" in run.summary
    assert "0 mentions" in run.summary


def test_comment_ids_survive_the_round_trip(rich_blog, export_path, import_file):
    """Old #comment-N links of this blog keep working after moving it again."""
    ids = sorted(Comment.objects.values_list("pk", flat=True))
    export_to(export_path)
    empty_the_blog()
    import_file(export_path)
    assert sorted(Comment.objects.values_list("pk", flat=True)) == ids


def test_an_article_edited_on_wordpress_is_converted_from_its_new_html(
    import_file, tmp_path, export_path
):
    """The Markdown kept in the export is only trusted while the HTML beside it is unchanged."""
    ArticleFactory(slug="edited", body="Old *text*.")
    export_to(export_path)
    text = export_path.read_text().replace(
        "<p>Old <em>text</em>.</p>", "<p>New <strong>text</strong>.</p>"
    )
    export_path.write_text(text)
    empty_the_blog()
    import_file(export_path)
    assert Article.objects.get(slug="edited").body == "New **text**."


def test_a_closed_discussion_and_its_closing_time_come_back(import_file, export_path):
    """comments_open and comments_close_at survive the trip (the time in post meta)."""
    closes = timezone.now().replace(microsecond=0) + timedelta(days=2)
    ArticleFactory(slug="closing", comments_close_at=closes)
    export_to(export_path)
    empty_the_blog()
    import_file(export_path)
    assert Article.objects.get(slug="closing").comments_close_at == closes
