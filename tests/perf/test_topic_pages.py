"""
Topic and archive pages through `make serve`'s stack: nginx keeps them like the article,
and an article taken off them never comes back from its cache, with the app up or stopped.
"""

import gzip
import time

from tests.perf.server import production_stack, server_database
from tests.perf.test_withdrawn import operator_shell, read_all

SEED = """
from datetime import datetime, UTC
from blog.models import Article, Author, Category, Tag
gear = Category.objects.create(name="Gear", slug="gear")
shoes = Category.objects.create(name="Shoes", slug="shoes", parent=gear)
merino = Tag.objects.create(name="Merino", slug="merino")
jonas = Author.objects.create(name="Jonas Lindqvist", slug="jonas")
for slug in ("to-withdraw", "still-public"):
    article = Article.objects.create(
        title=f"Title of {slug}", slug=slug, body="Text.", status="published", author=jonas,
        published_at=datetime(2025, 3, 14, 9, tzinfo=UTC))
    article.categories.add(shoes)
    article.tags.add(merino)
for number in range(25):
    article = Article.objects.create(
        title=f"Filler {number}", slug=f"filler-{number}", body="Text.", status="published",
        published_at=datetime(2025, 3, 1, 9, number, tzinfo=UTC))
    article.tags.add(merino)
"""
LISTINGS = [
    "/tags/merino/",
    "/tags/merino/?page=2",
    "/tags/merino/feed/",
    "/categories/shoes/",
    "/categories/gear/",
    "/categories/gear/feed/",
    "/authors/jonas/",
    "/authors/jonas/feed/",
    "/archive/2025/",
    "/archive/2025/03/",
]


def test_topic_and_archive_pages_are_cached_and_withdrawn(tmp_path, static_root):
    """Each listing is a cache HIT; the article unpublished, none of them shows it again."""
    with (
        server_database(tmp_path) as database_url,
        production_stack(tmp_path, database_url, static_root) as server,
    ):
        operator_shell(server, SEED)
        before = read_all(server, LISTINGS)  # fails unless each one becomes a HIT
        for path in ("/tags/merino/", "/categories/gear/", "/archive/2025/03/"):
            assert b"Title of to-withdraw" in before[path], path
        # A tracking link is the page itself, from the same cache entry.
        response, _ = server.request("GET", "/tags/merino/?utm_source=x")
        assert response.getheader("X-Cache") == "HIT"

        operator_shell(
            server,
            "from blog.models import Article\n"
            "article = Article.objects.get(slug='to-withdraw')\n"
            "article.status = 'draft'\n"
            "article.save()",
        )
        server.stop_app()
        time.sleep(2.5)  # Past every copy's s-maxage: each one is stale now.
        for path in LISTINGS:
            for headers in ({}, {"Accept-Encoding": "gzip"}):
                response, body = server.request("GET", path, headers)
                if response.getheader("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                assert b"Title of to-withdraw" not in body, (path, headers, response.status)
                assert response.status in {200, 503}, (path, response.status)


def test_untagging_withdraws_the_tag_page_only(tmp_path, static_root):
    """A tag taken off one article: its page goes, the still-public ones stay served stale."""
    with (
        server_database(tmp_path) as database_url,
        production_stack(tmp_path, database_url, static_root) as server,
    ):
        operator_shell(server, SEED)
        read_all(server, ["/tags/merino/", "/authors/jonas/"])
        operator_shell(
            server,
            "from blog.models import Article\nArticle.objects.get(slug='to-withdraw').tags.clear()",
        )
        server.stop_app()
        time.sleep(2.5)
        response, body = server.request("GET", "/tags/merino/")
        assert b"Title of to-withdraw" not in body and response.status in {200, 503}
        response, body = server.request("GET", "/authors/jonas/")
        assert (response.status, response.getheader("X-Cache")) == (200, "STALE")
        assert b"Title of to-withdraw" in body
