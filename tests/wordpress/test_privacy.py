"""Privacy through the door: the emails of an export are never printed, logged or published."""

import logging

import pytest
from django.test import Client

from blog.models import Article
from tests.comments.test_privacy import crawl, fingerprints
from tests.wordpress.builder import comment, post, write_export
from tests.wordpress.conftest import run_command

pytestmark = pytest.mark.django_db

SAMPLE_EMAILS = [
    "lena.vogt@example.de",
    "omar@example.org",
    "kim.tran@example.com",
    "rita@example.net",
]
MORE_EMAILS = ["Pat.Ping@Example.org", "not an address@", "held.reader@example.com"]


def secrets(emails) -> set[str]:
    found = set()
    for email in emails:
        found |= fingerprints(email) if "@" in email and " " not in email else {email}
    return found


@pytest.fixture
def imported_blog(import_file, sample, tmp_path, caplog):
    """The sample and a second post with a reply, a held comment and a bad address, imported."""
    caplog.set_level(logging.DEBUG)
    runs = [
        import_file(sample, "--adopt"),
        import_file(
            write_export(
                tmp_path / "more.xml",
                post(
                    5,
                    name="second",
                    comments=[
                        comment(51, email=MORE_EMAILS[0], url="https://pat.example/"),
                        comment(52, email=MORE_EMAILS[1], parent=51),
                        comment(53, email=MORE_EMAILS[2], approved="0"),
                    ],
                ),
            )
        ),
    ]
    return runs


def test_import_and_export_print_and_log_no_email(imported_blog, tmp_path, caplog):
    """Everything the commands wrote, and every log record, is searched for each address."""
    export = run_command("export_wordpress", str(tmp_path / "out.xml"))
    text = "\n".join(
        [
            *(run.out + run.err for run in [*imported_blog, export]),
            *(r.getMessage() for r in caplog.records),
        ]
    )
    assert "Imported" in text and "Exported" in text
    leaked = [secret for secret in secrets(SAMPLE_EMAILS + MORE_EMAILS) if secret in text]
    assert leaked == []


def test_a_crawl_of_the_imported_blog_finds_no_email(imported_blog):
    """Every public page, feed and redirect of the imported blog, searched as in tests/comments."""
    client = Client()
    old = "/2025/01/15/unlocking-relief-can-massage-therapy-stop-foot-cramps-for-good/"
    feeds = ["/feed/", "/feed/atom/", "/comments/feed/"]
    articles = [article.get_absolute_url() for article in Article.objects.published()]
    pages = crawl(client, ["/", old, "/?p=4", "/2025/01/15/second/feed/", *feeds, *articles])
    assert any("Night cramps every week" in page for page in pages.values())
    leaked = {
        path: [secret for secret in secrets(SAMPLE_EMAILS + MORE_EMAILS) if secret in page]
        for path, page in pages.items()
    }
    assert {path: found for path, found in leaked.items() if found} == {}
