"""import_wordpress: WordPress's posts and discussions, as readers and moderators meet them."""

import re
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from django.db import DatabaseError, connection
from django.urls import reverse

from blog.models import Article
from comments.models import Comment
from mentions.models import Mention, Outgoing
from tests.conftest import SEED_SLUG, post_as
from tests.factories import ArticleFactory, CommentFactory
from tests.wordpress.builder import comment, post, write_export
from wordpress import wxr
from wordpress.models import ImportedComment, ImportedPost

pytestmark = pytest.mark.django_db

SAMPLE_TITLE = "Unlocking Relief: Can Massage Therapy Stop Foot Cramps for Good?"


def imported_article() -> Article:
    return ImportedPost.objects.get(wp_id=4).article


def words(html: str) -> list[str]:
    return BeautifulSoup(html, "html.parser").get_text(" ").split()


def test_the_sample_post_becomes_an_article_as_wordpress_showed_it(import_file, sample):
    """Title, date (GMT), status, comments open, and the body: same text, same structure."""
    import_file(sample)
    article = imported_article()
    assert article.title == SAMPLE_TITLE
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == datetime(2025, 1, 15, 9, tzinfo=UTC)
    assert article.comments_open is True
    post_html = next(e for e in wxr.read(sample.open("rb")) if isinstance(e, wxr.Post)).content
    assert words(article.body_html) == words(post_html)
    shown, original = (BeautifulSoup(h, "html.parser") for h in (article.body_html, post_html))
    for tag in ("h2", "h3", "ul", "ol", "li", "p"):
        assert len(shown.find_all(tag)) == len(original.find_all(tag)), tag
    assert "<!--" not in article.body and "wp:" not in article.body
    assert article.body.startswith("## Does Massage Help Foot Cramps?\n\n## Understanding")


def test_its_discussion_keeps_threads_statuses_dates_and_people(import_file, sample):
    """Each comment keeps its id, parent, status, GMT date, name, website and IP address."""
    import_file(sample)
    comments = {c.pk: c for c in Comment.objects.filter(article=imported_article())}
    assert sorted(comments) == [11, 12, 13, 14]
    lena, omar, kim, rita = (comments[pk] for pk in (11, 12, 13, 14))
    assert (lena.parent, omar.parent, kim.parent, rita.parent) == (None, lena, None, omar)
    assert [c.status for c in (lena, omar, kim, rita)] == [
        "approved",
        "approved",
        "pending",
        "removed",
    ]
    assert omar.created_at == datetime(2025, 1, 16, 9, 30, tzinfo=UTC)
    assert (omar.author_name, omar.author_url) == ("Omar Said", "https://omar.example.org")
    assert (omar.ip_address, omar.depth, rita.depth) == ("203.0.113.189", 2, 3)
    assert (
        lena.body
        == "Night cramps every week until I started a 5-minute calf massage.\n\nAnyone else?"
    )
    assert omar.body == "Yes, and *hydration* made the biggest difference for me."
    assert kim.held_reason and rita.held_reason


def test_emails_are_stored_as_ours_are_encrypted_and_found_by_hash(import_file, sample):
    """The address is encrypted in the table, and by_email() finds its comments."""
    import_file(sample)
    assert list(Comment.objects.by_email("OMAR@example.org").values_list("pk", flat=True)) == [12]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT author_email FROM {Comment._meta.db_table}")
        stored = " ".join(row[0] for row in cursor.fetchall())
    assert "omar@example.org" not in stored and "@" not in stored


def test_readers_see_the_approved_discussion_and_nothing_held(client, import_file, sample):
    """The page shows Lena and Omar, threaded; never Kim's held or Rita's trashed comment."""
    import_file(sample)
    page = client.get(imported_article().get_absolute_url()).content.decode()
    assert "2 Comments" in page
    assert "Night cramps every week" in page and "*hydration*" in page
    assert "peppermint" not in page and "off-topic" not in page
    soup = BeautifulSoup(page, "html.parser")
    assert soup.select_one("#comment-11 .children #comment-12")


def test_the_summary_is_one_line_with_articles_comments_and_skipped_items(import_file, sample):
    """One last line: articles, comments by status, and what was skipped and why."""
    run = import_file(sample)
    assert run.summary.startswith(
        "Imported 1 article (1 renamed); 4 comments (2 approved, 1 pending"
    )
    assert "0 spam, 1 removed" in run.summary
    assert "Skipped: 3 authors, categories and tags" in run.summary
    assert "delete it" in run.err


def test_importing_the_same_file_twice_changes_nothing(import_file, sample, tmp_path):
    """Every row (their change times too) is as the first import left it."""
    path = write_export(
        tmp_path / "blog.xml",
        post(5, name="cramps", comments=[comment(51), comment(52, parent=51, kind="")]),
        post(6, name="pinged", comments=[comment(61, kind="pingback", url="https://x.example/")]),
    )

    def snapshot():
        return (
            list(Article.objects.order_by("pk").values()),
            list(Comment.objects.order_by("pk").values()),
            list(Mention.objects.order_by("pk").values()),
            list(ImportedPost.objects.order_by("pk").values()),
        )

    import_file(path)
    before = snapshot()
    second = import_file(path)
    assert snapshot() == before
    assert "Imported 0 articles; 0 comments" in second.summary
    assert "Already here: 2 articles, 3 comments" in second.summary


def test_a_later_export_adds_only_what_is_new(client, import_file, tmp_path):
    """A new post, and a new reply to a comment imported before, are all that is added."""
    first = [comment(51, content="First.")]
    import_file(write_export(tmp_path / "one.xml", post(5, name="cramps", comments=first)))
    later = [*first, comment(53, content="A reply, later.", parent=51)]
    run = import_file(
        write_export(
            tmp_path / "two.xml",
            post(5, name="cramps", comments=later),
            post(7, name="new-post", title="A new post"),
        )
    )
    assert "Imported 1 article; 1 comment" in run.summary
    assert Comment.objects.get(pk=53).parent_id == 51
    assert Article.objects.filter(slug="new-post").exists()
    page = client.get(reverse("blog:article", args=["cramps"])).content.decode()
    assert "A reply, later." in page


def test_a_post_changed_on_wordpress_since_is_reported_not_overwritten(import_file, tmp_path):
    """The article here may have been edited: a later export never overwrites it."""
    import_file(write_export(tmp_path / "one.xml", post(5, name="cramps", title="Old")))
    changed = post(5, name="cramps", title="New", modified_gmt="2025-03-01 10:00:00")
    run = import_file(write_export(tmp_path / "two.xml", changed))
    assert Article.objects.get(slug="cramps").title == "Old"
    assert "post 5 changed on WordPress since it was imported" in run.out


def test_an_article_deleted_here_is_not_brought_back(import_file, tmp_path):
    """The import remembers what it made: deleting here wins over importing again."""
    path = write_export(tmp_path / "one.xml", post(5, name="cramps", comments=[comment(51)]))
    import_file(path)
    Article.objects.filter(slug="cramps").delete()
    run = import_file(path)
    assert not Article.objects.filter(slug="cramps").exists()
    assert "1 posts deleted here since an earlier import" in run.summary


@pytest.mark.parametrize(
    ("wp_status", "password", "status", "reported"),
    [
        ("publish", "", "published", None),
        ("draft", "", "draft", None),
        ("pending", "", "draft", None),
        ("private", "", "draft", "private on WordPress"),
        ("publish", "secret", "draft", "password-protected"),
    ],
)
def test_post_statuses_map_to_published_or_draft(
    import_file, tmp_path, wp_status, password, status, reported
):
    """publish → published; draft, pending, private (and password-protected) → draft."""
    run = import_file(
        write_export(tmp_path / "x.xml", post(5, status=wp_status, password=password))
    )
    assert Article.objects.get(slug="a-post").status == status
    if reported:
        assert reported in run.out


def test_a_future_post_is_published_on_its_date_and_hidden_until_then(
    client, import_file, tmp_path
):
    """WordPress's "future" is a published article dated later, which the public cannot see yet."""
    run = import_file(
        write_export(tmp_path / "x.xml", post(5, status="future", date="2099-05-01 08:00:00"))
    )
    article = Article.objects.get(slug="a-post")
    assert article.status == "published"
    assert article.published_at == datetime(2099, 5, 1, 8, tzinfo=UTC)
    assert client.get(article.get_absolute_url()).status_code == 404
    assert "is dated in the future (2099-05-01 08:00 UTC)" in run.out


def test_closed_comments_stay_closed(client, import_file, tmp_path):
    """wp:comment_status closed: the article shows "Comments are closed." and no form."""
    import_file(write_export(tmp_path / "x.xml", post(5, comment_status="closed")))
    page = client.get(reverse("blog:article", args=["a-post"])).content.decode()
    assert "Comments are closed." in page and 'id="commentform"' not in page


def test_pages_and_attachments_are_skipped_and_counted(import_file, tmp_path):
    """Without --pages a page is counted, not imported; attachments and trash never are."""
    items = [
        post(5, name="about", kind="page", comments=[comment(51)]),
        post(6, name="photo", kind="attachment", status="inherit"),
        post(7, name="binned", status="trash"),
        post(8, name="menu", kind="nav_menu_item"),
    ]
    run = import_file(write_export(tmp_path / "x.xml", *items))
    assert Article.objects.count() == 1  # the seed article only
    for words_ in (
        "1 pages (import them too with --pages)",
        "1 attachments",
        "1 posts in status “trash”",
        "1 items of type “nav_menu_item”",
        "1 comments on items not imported",
    ):
        assert words_ in run.summary
    assert "page 5 is not imported (pages (import them too with --pages)), and neither" in run.out


def test_pages_come_in_as_articles_with_the_option(import_file, tmp_path):
    """--pages: a page is an article like the posts, with its comments."""
    run = import_file(
        write_export(
            tmp_path / "x.xml", post(5, name="about", kind="page", comments=[comment(51)])
        ),
        "--pages",
    )
    assert Article.objects.get(slug="about").comments.count() == 1
    assert "Imported 1 article (1 from pages)" in run.summary


@pytest.mark.parametrize(
    ("approved", "status"),
    [
        ("1", "approved"),
        ("0", "pending"),
        ("spam", "spam"),
        ("trash", "removed"),
        ("post-trashed", "removed"),
    ],
)
def test_comment_statuses_map_one_to_one(import_file, tmp_path, approved, status):
    """1 → approved, 0 → pending, spam → spam, trash → removed."""
    import_file(
        write_export(tmp_path / "x.xml", post(5, comments=[comment(51, approved=approved)]))
    )
    assert Comment.objects.get(pk=51).status == status


@pytest.mark.parametrize("parent_status", ["0", "trash", "spam"])
def test_an_approved_reply_under_a_held_or_trashed_comment_is_held(
    client, import_file, tmp_path, parent_status
):
    """Approved only with an approved parent: the reply is pending, says why, and is counted."""
    thread = [
        comment(51, approved=parent_status, content="Parent."),
        comment(52, parent=51, content="Approved reply."),
        comment(53, parent=52, content="Reply to the reply."),
    ]
    run = import_file(write_export(tmp_path / "x.xml", post(5, comments=thread)))
    reply, deeper = Comment.objects.get(pk=52), Comment.objects.get(pk=53)
    assert reply.status == deeper.status == "pending"
    assert "the comment it answers is not approved" in reply.held_reason
    assert "2 held as their parent is not approved" in run.summary
    assert (
        "Approved reply."
        not in client.get(reverse("blog:article", args=["a-post"])).content.decode()
    )


def test_a_taken_comment_id_gets_a_new_one_and_keeps_its_old_anchor(client, import_file, sample):
    """Comment 12's id is taken here: it gets another, and its page still has #comment-12."""
    other = ArticleFactory()
    holder = CommentFactory(article=other)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Comment._meta.db_table} SET id = 12 WHERE id = %s", [holder.pk])
    import_file(sample)
    omar = Comment.objects.get(article=imported_article(), author_name="Omar Said")
    assert omar.pk != 12 and omar.former_id == 12
    assert Comment.objects.get(pk=14).parent == omar
    soup = BeautifulSoup(client.get(imported_article().get_absolute_url()).content, "html.parser")
    anchor = soup.select_one("#comment-12")
    assert "Omar Said" in anchor.find_parent("li").get_text()
    assert len(soup.select("[id=comment-12]")) == 1


def test_an_id_taken_on_the_same_article_is_reported(import_file, tmp_path):
    """No second element may carry the id: the report says where the old link lands."""
    path = write_export(tmp_path / "one.xml", post(5, comments=[comment(51)]))
    import_file(path)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Comment._meta.db_table} SET id = 99 WHERE id = 51")
    ImportedComment.objects.all().delete()
    CommentFactory(article=Article.objects.get(slug="a-post")).pk  # noqa: B018
    later = write_export(tmp_path / "two.xml", post(5, comments=[comment(51), comment(99)]))
    run = import_file(later)
    assert "comment 99 on post 5: its id is held by another comment of the same article" in run.out
    assert Comment.objects.filter(former_id=99).count() == 0


def test_comments_posted_after_an_import_get_fresh_ids(client, import_file, sample):
    """The id sequence moved past the imported ids (PostgreSQL does not by itself)."""
    import_file(sample)
    article = imported_article()
    data = {"author_name": "New", "author_email": "new@example.org", "body": "After the move."}
    response = post_as(client, article, data)
    assert response.status_code == 302
    assert Comment.objects.get(body="After the move.").pk > 14


def test_pingbacks_are_shown_apart_as_mentions(client, import_file, tmp_path):
    """Approved pingbacks and trackbacks: "Mentioned elsewhere", not comments; held ones hidden."""
    items = [
        comment(51, content="A real comment."),
        comment(
            52,
            kind="pingback",
            author="Calf Care » Night cramps",
            url="https://calf.example/n/",
            content="[…] see […]",
        ),
        comment(
            53, kind="trackback", author="Held ping", url="https://held.example/", approved="0"
        ),
    ]
    run = import_file(write_export(tmp_path / "x.xml", post(5, comments=items)))
    page = client.get(reverse("blog:article", args=["a-post"])).content.decode()
    soup = BeautifulSoup(page, "html.parser")
    mentions = soup.select_one("section.mentions")
    assert mentions.h3.get_text() == "Mentioned elsewhere"
    link = mentions.select_one("a")
    assert (link.get_text(), link["href"]) == (
        "Calf Care » Night cramps",
        "https://calf.example/n/",
    )
    assert "Held ping" not in page
    assert "1 Comment" in page and Comment.objects.count() == 1
    assert "2 mentions" in run.summary


def test_a_classic_editor_post_reads_as_wpautop_showed_it(import_file, tmp_path):
    """Without blocks, a blank line is a paragraph and a newline a line break."""
    content = "First paragraph\nwith a break.\n\nSecond <em>paragraph</em>."
    import_file(write_export(tmp_path / "x.xml", post(5, content=content)))
    html = Article.objects.get(slug="a-post").body_html
    assert html == "<p>First paragraph<br>\nwith a break.</p>\n<p>Second <em>paragraph</em>.</p>"


def test_the_excerpt_becomes_the_standfirst(import_file, tmp_path):
    """WordPress's excerpt is the line under the title here."""
    import_file(
        write_export(tmp_path / "x.xml", post(5, excerpt="Stretch <b>before</b> bed &amp; sleep."))
    )
    assert Article.objects.get(slug="a-post").standfirst == "Stretch before bed & sleep."


def test_a_failure_half_way_leaves_no_post_half_imported(import_file, tmp_path, monkeypatch):
    """A database error in the second post: the first is whole, nothing of the second is here."""
    path = write_export(
        tmp_path / "x.xml",
        post(5, name="first", comments=[comment(51)]),
        post(6, name="second", comments=[comment(61)]),
    )
    original = Comment.objects.bulk_create

    def failing(objs, *args, **kwargs):
        objs = list(objs)
        if any(c.pk == 61 for c in objs):
            raise DatabaseError("disk full")
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(Comment.objects, "bulk_create", failing)
    with pytest.raises(Exception, match="disk full") as raised:
        import_file(path)
    assert "line 3" not in str(raised.value)
    assert "post 6 could not be stored (disk full). The post before it is" in str(raised.value)
    assert Article.objects.filter(slug="first").get().comments.count() == 1
    assert not Article.objects.filter(slug="second").exists()
    assert not ImportedPost.objects.filter(wp_id=6).exists()
    monkeypatch.setattr(Comment.objects, "bulk_create", original)
    assert "Imported 1 article; 1 comment" in import_file(path).summary


def test_a_file_cut_short_keeps_the_posts_before_the_cut(import_file, tmp_path):
    """A truncated export: the complete posts are in, the cut one is not, and the line is given."""
    text = write_export(
        tmp_path / "x.xml", post(5, name="first"), post(6, name="second", comments=[comment(61)])
    ).read_text()
    cut = text[: text.index("<wp:comment_id>61")]
    (tmp_path / "cut.xml").write_text(cut)
    with pytest.raises(Exception, match=r"line \d+: the file is not well-formed XML") as raised:
        import_file(tmp_path / "cut.xml")
    assert "once the file is fixed, import it again" in str(raised.value)
    assert Article.objects.filter(slug="first").exists()
    assert not Article.objects.filter(slug="second").exists()


def test_adopt_attaches_the_discussion_to_the_article_retyped_by_hand(
    client, import_file, sample, seed_article
):
    """--adopt: the seed article (the same post, retyped) gets the comments; its text is kept."""
    body = seed_article.body
    run = import_file(sample, "--adopt")
    assert Article.objects.filter(title=SAMPLE_TITLE).count() == 1
    seed_article.refresh_from_db()
    assert seed_article.body == body
    assert seed_article.comments.count() == 4
    assert "is the article already here" in run.out
    old = "/2025/01/15/unlocking-relief-can-massage-therapy-stop-foot-cramps-for-good/"
    assert client.get(old)["Location"].endswith(f"/articles/{SEED_SLUG}/")


def test_titles_and_names_are_text_not_markup(import_file, tmp_path):
    """WordPress keeps them as HTML: here they are their text, entities decoded."""
    items = post(
        5, title="Cramps &amp; <em>calves</em>", comments=[comment(51, author="Tom &amp; Jerry")]
    )
    import_file(write_export(tmp_path / "x.xml", items))
    assert Article.objects.get(slug="a-post").title == "Cramps & calves"
    assert Comment.objects.get(pk=51).author_name == "Tom & Jerry"


def test_a_comment_text_keeps_emphasis_and_links_never_markup(import_file, tmp_path):
    """Allowed tags keep their meaning in plain text; a script is dropped."""
    text = (
        'See <a href="https://calf.example/">this</a>, <strong>really</strong> <em>good</em>.'
        '<script>alert(1)</script> <b onclick="x">x</b>'
    )
    import_file(write_export(tmp_path / "x.xml", post(5, comments=[comment(51, content=text)])))
    assert (
        Comment.objects.get(pk=51).body == "See this (https://calf.example/), *really* _good_. *x*"
    )


def test_the_user_agent_is_kept_when_the_export_has_it(import_file, tmp_path):
    """wp:comment_agent, where an export carries it (WordPress's own exporter does not)."""
    import_file(
        write_export(tmp_path / "x.xml", post(5, comments=[comment(51, agent="Mozilla/5.0 Test")]))
    )
    assert Comment.objects.get(pk=51).user_agent == "Mozilla/5.0 Test"


def test_the_site_key_tells_two_blogs_apart(import_file, tmp_path):
    """The same ids from another WordPress site are other posts, not "already here"."""
    import_file(write_export(tmp_path / "a.xml", post(5, name="one", comments=[comment(51)])))
    other = post(5, name="two", comments=[comment(51)], site="https://other.example")
    run = import_file(write_export(tmp_path / "b.xml", other, site="https://other.example"))
    assert "Imported 1 article; 1 comment" in run.summary
    assert Article.objects.get(slug="two").comments.get().former_id == 51
    assert re.search(r"Already here: 0 articles", run.summary)


def test_imported_posts_send_no_webmentions(
    tmp_path, import_file, django_capture_on_commit_callbacks
):
    """Moving a blog tells nobody: the web heard of these posts when WordPress published them."""
    linking = post(5, name="cramps", content='See <a href="https://other.example/p">this</a>.')
    with django_capture_on_commit_callbacks(execute=True):
        import_file(write_export(tmp_path / "one.xml", linking))
    assert Article.objects.get(slug="cramps").status == "published"
    assert not Outgoing.objects.exists()
