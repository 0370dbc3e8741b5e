"""
What the site withdraws is deleted from nginx's cache once committed (serving/purge.py).

Here the cache is a folder of files named as nginx names them; the real nginx,
stopped app and all, is in tests/perf/test_withdrawn.py.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment
from comments.moderation import change_status
from serving.purge import cache_file
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache(settings, tmp_path):
    """nginx's cache folder, as `make serve` sets it."""
    settings.NGINX_CACHE_DIR = tmp_path / "cache"
    settings.NGINX_CACHE_DIR.mkdir()
    return settings.NGINX_CACHE_DIR


def store(*addresses: str) -> list:
    """Files where nginx keeps these addresses, plain and gzipped, over http and https."""
    files = []
    for address in addresses:
        for scheme in ("http", "https"):
            for encoding in ("", "gzip"):
                path = cache_file(f"{scheme}|{address}|{encoding}")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(b"KEY: ...\r\n\r\nthe stored page")
                files.append(path)
    return files


def site_pages() -> list[str]:
    return ["/", "/feed/", "/feed/atom/", "/comments/feed/", "/sitemap.xml"]


def article_pages(article) -> list[str]:
    return [article.get_absolute_url(), reverse("blog:article-feed", args=[article.slug])]


def test_the_key_is_named_as_nginx_names_it(settings, tmp_path):
    """MD5 of the key, in folders named by its last character and the two before (levels=1:2)."""
    settings.NGINX_CACHE_DIR = tmp_path
    # echo -n 'http|/|' | md5sum
    assert cache_file("http|/|") == tmp_path / "9" / "26" / "ee5a9f408a5d65a12f19492cfafe6269"


def test_unpublishing_deletes_the_article_and_the_pages_listing_it(
    cache, django_capture_on_commit_callbacks
):
    """Unpublished: its page, feed and comment pages go, and the home page and feeds with them."""
    article, other = ArticleFactory(), ArticleFactory()
    CommentFactory.create_batch(3, article=article)
    withdrawn = store(*article_pages(article), f"/articles/{article.slug}/comment-page-2/")
    listing = store(*site_pages(), "/?page=2")
    kept = store(*article_pages(other))
    with django_capture_on_commit_callbacks(execute=True):
        article.status = article.Status.DRAFT
        article.save()
    assert not [path for path in withdrawn + listing if path.exists()]
    assert all(path.exists() for path in kept)


def test_nothing_is_deleted_before_the_change_is_committed(
    cache, django_capture_on_commit_callbacks
):
    """A change that is rolled back withdraws nothing."""
    article = ArticleFactory()
    files = store(*article_pages(article))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article.save()
    assert all(path.exists() for path in files)
    assert len(callbacks) == 1


@pytest.mark.parametrize("how", ["remove", "spam", "unapprove", "delete", "erase", "edit"])
def test_a_comment_withdrawn_deletes_every_page_that_showed_it(
    cache, django_capture_on_commit_callbacks, superuser, how
):
    """Removed, marked spam, sent back, deleted, erased or edited: the pages that showed it go."""
    article = ArticleFactory()
    comment = CommentFactory(article=article, body="Words to withdraw.")
    files = store(*article_pages(article), *site_pages())
    with django_capture_on_commit_callbacks(execute=True):
        if how == "erase":
            email = comment.author_email
            call_command("erase_commenter", email, "--text", "erase", "--by", superuser.username)
        elif how == "delete":
            comment.delete()
        elif how == "edit":
            Comment.objects.filter(pk=comment.pk).update(body="Other words.")
        else:
            status = {"remove": "removed", "spam": "spam", "unapprove": "pending"}[how]
            change_status([comment], status, by=superuser)
    assert not [path for path in files if path.exists()]


def test_a_held_comment_changes_nothing_stored(cache, django_capture_on_commit_callbacks):
    """A comment nobody could see withdraws nothing."""
    article = ArticleFactory()
    files = store(*article_pages(article))
    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(article=article, status=Comment.Status.PENDING)
    assert all(path.exists() for path in files)


def test_a_deleted_article_takes_its_comment_pages_with_it(
    cache, settings, django_capture_on_commit_callbacks
):
    """Deleted with a long discussion: every page of it goes, counted before the comments go."""
    settings.COMMENTS_PER_PAGE = 2
    article = ArticleFactory()
    CommentFactory.create_batch(5, article=article)
    pages = [article.get_comment_page_url(n) for n in range(1, 4)]
    files = store(*pages, *article_pages(article))
    with django_capture_on_commit_callbacks(execute=True):
        article.delete()
    assert not [path for path in files if path.exists()]


def test_a_new_slug_withdraws_the_former_address(cache, django_capture_on_commit_callbacks):
    """The article moved: what was stored at its former address goes."""
    article = ArticleFactory(slug="old-name")
    files = store("/articles/old-name/", "/articles/old-name/feed/")
    with django_capture_on_commit_callbacks(execute=True):
        article.slug = "new-name"
        article.save()
    assert not [path for path in files if path.exists()]


def test_without_a_cache_folder_nothing_is_looked_up(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    """`make run` and the tests have no nginx: saving costs no extra query."""
    settings.NGINX_CACHE_DIR = tmp_path / "absent"
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        article.title = "Renamed"
        with CaptureQueriesContext(connection) as queries:
            article.save()
    # The save's own UPDATE and its search document (search/index.py: its categories,
    # its tags, the upsert); federation/publishing.py's look-ups and writes (what
    # followers were told, in a savepoint) are its own business, not the purge's.
    ours = [
        q["sql"]
        for q in queries.captured_queries
        if "federation_" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]
    assert len(ours) == 4, ours
    assert callbacks == []
