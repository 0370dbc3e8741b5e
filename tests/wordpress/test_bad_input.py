"""Bad exports: each fault reported with its item and line, and nothing else of the import lost."""

import re
import resource
import time

import pytest
from django.core.management.base import CommandError

from blog.models import Article
from comments.models import Comment
from tests.factories import ArticleFactory
from tests.wordpress.builder import comment, export, post, write_export

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://old-blog.example</wp:base_site_url>
<item><title>&lol9;</title><wp:post_id>5</wp:post_id><wp:post_type>post</wp:post_type>
<wp:status>publish</wp:status><wp:post_name>laughs</wp:post_name></item>
</channel></rss>
"""


def refused(import_file, path) -> str:
    with pytest.raises(CommandError) as raised:
        import_file(path)
    return str(raised.value)


def articles() -> int:
    return Article.objects.count()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", r"line 1: the file is not well-formed XML \(no element found\)"),
        ("Just some text.\n", r"line 1: the file is not well-formed XML \(syntax error\)"),
        ("\x89PNG\r\n\x1a\n", r"line 1: the file is not well-formed XML"),
        ("<html><body>Hi</body></html>", r"line 1: this is XML, but not a WordPress export"),
        (
            '<rss version="2.0"><channel><title>A feed</title><item><title>x</title></item>'
            "</channel></rss>",
            r"line 1: this is RSS, but not a WordPress export: no wp:wxr_version",
        ),
        ('<rss version="2.0"><channel></channel></rss>', r"not a WordPress export"),
    ],
)
def test_a_file_that_is_not_a_wordpress_export_is_refused_with_a_sentence(
    import_file, tmp_path, text, says
):
    """Not XML, or XML that is not WXR: one clear sentence with the line, nothing imported."""
    before = articles()
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="latin-1")
    message = refused(import_file, path)
    assert re.search(says, message), message
    assert "Nothing was imported." in message
    assert articles() == before


def test_an_unknown_wxr_version_is_refused(import_file, tmp_path):
    """WXR 2.0 may mean anything: refused, naming the versions this importer reads."""
    path = tmp_path / "new.xml"
    path.write_text(export(post(5), version="2.0"))
    message = refused(import_file, path)
    assert (
        "line 18: this export is WXR version '2.0'; this importer reads versions 1.0, 1.1, 1.2"
        in message
    )
    assert not Article.objects.filter(slug="a-post").exists()


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_each_known_wxr_version_is_read(import_file, tmp_path, version):
    """WordPress has written 1.0, 1.1 and 1.2, each in its own namespace."""
    import_file(write_export(tmp_path / "x.xml", post(5), version=version))
    assert Article.objects.filter(slug="a-post").exists()


def test_the_billion_laughs_is_refused_before_any_expansion(import_file, tmp_path):
    """Entity declarations are refused where they stand: no memory blown, nothing imported."""
    path = tmp_path / "laughs.xml"
    path.write_text(BILLION_LAUGHS)
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    message = refused(import_file, path)
    assert time.monotonic() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory < 50_000  # KiB
    assert "line 3: the file declares the entity “lol”. Entities are refused" in message
    assert not Article.objects.filter(slug="laughs").exists()


@pytest.mark.parametrize(
    "declaration",
    [
        '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE rss [<!ENTITY % xxe SYSTEM "http://127.0.0.1:9/evil.dtd"> %xxe;]>',
    ],
)
def test_an_external_entity_is_refused_and_nothing_is_read(import_file, tmp_path, declaration):
    """No file of this server, nor any URL, is read: the declaration itself is refused."""
    text = export(post(5, title="&xxe;")).replace(
        '<?xml version="1.0" encoding="UTF-8" ?>',
        f'<?xml version="1.0" encoding="UTF-8" ?>\n{declaration}',
    )
    path = tmp_path / "xxe.xml"
    path.write_text(text)
    message = refused(import_file, path)
    assert "line 2: the file declares the entity “xxe”" in message
    assert "root:" not in message
    assert not Article.objects.filter(slug="a-post").exists()


def test_an_undeclared_entity_is_an_xml_error_with_its_line(import_file, tmp_path):
    """A reference to an entity nobody declared: not well-formed, said with the line."""
    path = tmp_path / "x.xml"
    path.write_text(
        export(post(5)).replace(
            "<description></description>", "<description>&xxe;</description>", 1
        )
    )
    assert "the file is not well-formed XML (undefined entity)" in refused(import_file, path)


def test_comment_parents_missing_self_or_looping_are_reported_and_kept(import_file, tmp_path):
    """Each such comment is imported, top level, with a line saying what was wrong."""
    thread = [
        comment(51, parent=999, content="Orphan."),
        comment(52, parent=52, content="Answers itself."),
        comment(53, parent=54, content="Loop A."),
        comment(54, parent=55, content="Loop B."),
        comment(55, parent=53, content="Loop C."),
        comment(56, parent=55, content="Hangs off the loop."),
    ]
    run = import_file(write_export(tmp_path / "x.xml", post(5, comments=thread)))
    parents = dict(Comment.objects.values_list("pk", "parent_id"))
    assert parents == {51: None, 52: None, 53: None, 54: 55, 55: 53, 56: 55}
    lines = run.out
    assert re.search(
        r"line \d+: comment 51 on post 5: the comment it answers \(999\) is not in this post", lines
    )
    assert re.search(r"line \d+: comment 52 on post 5: it answers itself", lines)
    assert "comment 53 on post 5: its thread loops back on itself (53 → 54 → 55 → 53)" in lines
    assert "6 comments (6 approved" in run.summary


def test_a_comment_outside_any_post_is_reported(import_file, tmp_path):
    """A wp:comment straight in the channel belongs to no post: skipped, with its line."""
    text = export(post(5)).replace("<generator>", comment(77) + "\n<generator>", 1)
    path = tmp_path / "x.xml"
    path.write_text(text)
    run = import_file(path)
    assert re.search(r"line \d+: a comment outside any post: skipped.", run.out)
    assert "1 comments outside any post" in run.summary
    assert Article.objects.filter(slug="a-post").exists()


def test_an_author_email_that_is_not_an_address_is_dropped_and_not_repeated(import_file, tmp_path):
    """The comment is kept without an email; the report never repeats what was there."""
    run = import_file(
        write_export(tmp_path / "x.xml", post(5, comments=[comment(51, email="maya at example")]))
    )
    stored = Comment.objects.get(pk=51)
    assert stored.author_email == "" and stored.author_email_hash == ""
    assert (
        "comment 51 on post 5: its author's email is not an address: stored without one." in run.out
    )
    assert "maya" not in run.out + run.err


def test_a_slug_taken_here_is_renamed_never_overwritten(import_file, tmp_path):
    """An article of this blog keeps its address; the post comes in beside it, renamed."""
    mine = ArticleFactory(slug="cramps", title="Mine", body="My own text.")
    run = import_file(write_export(tmp_path / "x.xml", post(5, name="cramps", title="Theirs")))
    mine.refresh_from_db()
    assert (mine.title, mine.body) == ("Mine", "My own text.")
    assert Article.objects.get(slug="cramps-2").title == "Theirs"
    assert (
        "post 5: the address “cramps” is taken by another article here, so this one is “cramps-2”"
        in run.out
    )
    assert "(1 renamed)" in run.summary


def test_missing_and_future_dates_are_reported(import_file, tmp_path):
    """No GMT date: the local one, said so; no date at all: now, said so; future: said so."""
    items = [
        post(5, name="local", date="2025-01-15 09:00:00", date_gmt="0000-00-00 00:00:00"),
        post(6, name="none", date="", date_gmt=""),
        post(
            7,
            name="comments",
            comments=[comment(71, date="2099-01-01 00:00:00"), comment(72, date="", date_gmt="")],
        ),
    ]
    run = import_file(write_export(tmp_path / "x.xml", *items))
    assert "post 5 has no GMT date: its local date was taken as UTC" in run.out
    assert "post 6 has no date: dated now" in run.out
    assert "comment 71 on post 7: it is dated in the future (2099-01-01 00:00 UTC)" in run.out
    assert "comment 72 on post 7: it has no date: dated now" in run.out
    assert Article.objects.filter(slug__in=["local", "none", "comments"]).count() == 3
    assert Comment.objects.count() == 2


def test_bad_fields_of_a_comment_are_dropped_one_by_one(import_file, tmp_path):
    """A website that is not one, an IP that is not one, a name too long: the rest is kept."""
    bad = comment(51, author="N" * 300, url="javascript:alert(1)", ip="not-an-ip", approved="maybe")
    run = import_file(write_export(tmp_path / "x.xml", post(5, comments=[bad])))
    stored = Comment.objects.get(pk=51)
    assert (stored.author_url, stored.ip_address, stored.status) == ("", None, "pending")
    assert len(stored.author_name) == 100
    for said in (
        "its website is not a web address",
        "its IP address is not one",
        "is unknown: held",
    ):
        assert said in run.out


def test_posts_with_bad_ids_or_statuses_are_skipped_and_the_rest_imported(import_file, tmp_path):
    """An item without a numeric id, or with a status WordPress never gives, is reported."""
    items = [post("x", name="no-id"), post(6, name="odd", status="weird"), post(7, name="fine")]
    run = import_file(write_export(tmp_path / "x.xml", *items))
    assert "post x: its id is not a number" in run.out
    assert "post 6: its status “weird” is not one WordPress gives posts" in run.out
    assert list(
        Article.objects.filter(slug__in=["no-id", "odd", "fine"]).values_list("slug", flat=True)
    ) == ["fine"]


def test_comment_ids_that_are_not_numbers_or_repeat_are_skipped(import_file, tmp_path):
    """Each is reported; the other comments of the post come in."""
    thread = [comment("abc"), comment(51), comment(51, content="Again."), comment(52, kind="note")]
    run = import_file(write_export(tmp_path / "x.xml", post(5, comments=thread)))
    assert list(Comment.objects.values_list("pk", flat=True)) == [51]
    assert "its id is not a number" in run.out
    assert "the same id appears twice in this post" in run.out
    assert "its type “note” is not a comment" in run.out


def test_ids_in_digits_that_are_not_ascii_are_not_numbers(import_file, tmp_path):
    """ "²" passes str.isdigit() and int() refuses it: reported as any id that is not a number."""
    items = [
        post("²", name="superscript"),
        post(5, comments=[comment("٣"), comment(51, parent="²"), comment(52, parent="٣")]),
    ]
    run = import_file(write_export(tmp_path / "x.xml", *items))
    assert "post ²: its id is not a number" in run.out
    assert not Article.objects.filter(slug="superscript").exists()
    assert dict(Comment.objects.values_list("pk", "parent_id")) == {51: None, 52: None}
    assert run.out.count("its parent is not a number: imported as a top-level comment.") == 2
    assert "its id is not a number: skipped." in run.out


def test_a_list_numbered_from_a_digit_that_is_not_ascii_starts_at_one(import_file, tmp_path):
    """<ol start="²">: the list comes in, numbered as WordPress's browser would, from 1."""
    body = '<ol start="²"><li>Stretch.</li><li>Rest.</li></ol><h٣>Next</h٣>'
    import_file(write_export(tmp_path / "x.xml", post(5, content=body)))
    assert Article.objects.get(slug="a-post").body.startswith("1. Stretch.\n2. Rest.")


def test_a_missing_file_and_a_bad_old_url_are_refused(import_file, tmp_path):
    """Mistyped arguments get one sentence each."""
    with pytest.raises(CommandError, match="there is no such file"):
        import_file(tmp_path / "nope.xml")
    path = write_export(tmp_path / "x.xml", post(5))
    with pytest.raises(CommandError, match="--old-url must be a web address"):
        import_file(path, "--old-url", "old-blog.example")


def test_a_site_without_an_address_is_refused(import_file, tmp_path):
    """Without wp:base_site_url or a link, posts could not be told from another site's."""
    text = export(post(5)).replace("https://old-blog.example</wp:base", "</wp:base")
    text = re.sub(r"<link>https://old-blog.example</link>", "<link></link>", text)
    path = tmp_path / "x.xml"
    path.write_text(text)
    assert "does not say which site it came from" in refused(import_file, path)


def test_addresses_that_are_not_urls_stay_text_and_the_import_goes_on(import_file, tmp_path):
    """A link, an image or a comment's link to "http://[" (no URL reads it): its words stay."""
    body = (
        '<p>See <a href="http://[broken">the old page</a> and '
        '<img src="https://[::1/cramp.png" alt="A foot">.</p>'
    )
    said = 'Try <a href="http://[x">this stretch</a>.'
    item = post(5, content=body, comments=[comment(51, content=said)])
    run = import_file(write_export(tmp_path / "x.xml", item))
    article = Article.objects.get(slug="a-post")
    assert "the old page" in article.body and "[broken" not in article.body
    assert Comment.objects.get(pk=51).body == "Try this stretch."
    assert run.summary.startswith("Imported 1 article; 1 comment (1 approved,")
