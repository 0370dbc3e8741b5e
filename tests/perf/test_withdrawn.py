"""
What the site withdrew never comes back from nginx's cache, with the app up or stopped.

Through `make serve`'s stack: an article's pages, a later comment page and the
feeds are read (so nginx stores them); then the article is unpublished or
deleted, a comment removed, or its author erased, by the admin or by
`manage.py` as an operator runs it beside the stack; then the app server is
stopped, and nginx must not serve the withdrawn text from any copy, however
it is asked, while the pages still public keep being served from the cache.
"""

import gzip
import subprocess
import sys
import time

import pytest

from tests.perf.server import (
    ROOT,
    StackServer,
    production_stack,
    query,
    server_database,
)

SEED = """
from django.utils import timezone
from blog.models import Article
from comments.models import Comment
for slug in ("{slug}", "still-public"):
    article = Article.objects.create(
        title=f"Title of {{slug}}", slug=slug, body=f"Body of {{slug}}.", status="published",
        published_at=timezone.now() - timezone.timedelta(days=1))
    for number in range(3):
        Comment.objects.create(article=article, author_name=f"Author {{number}} on {{slug}}",
            author_email=f"author{{number}}-{{slug}}@example.org",
            body=f"Comment {{number}} on {{slug}}.", status="approved")
"""
WITHDRAW = {
    "unpublished": (
        "from blog.models import Article\n"
        "article = Article.objects.get(slug='{slug}')\n"
        "article.status = 'draft'\n"
        "article.save()",
        ["Title of {slug}", "Body of {slug}.", "Comment 2 on {slug}."],
    ),
    "deleted": (
        "from blog.models import Article\nArticle.objects.get(slug='{slug}').delete()",
        ["Title of {slug}", "Body of {slug}.", "Comment 2 on {slug}."],
    ),
    "comment removed": (
        "from comments.models import Comment\n"
        "from comments.moderation import change_status\n"
        "change_status([Comment.objects.get(body='Comment 2 on {slug}.')], 'removed')",
        ["Comment 2 on {slug}."],
    ),
    "author erased": (
        "from django.core.management import call_command\n"
        "from django.contrib.auth.models import User\n"
        "User.objects.create_superuser('operator', 'operator@example.org', 'x' * 20)\n"
        "call_command('erase_commenter', 'author2-{slug}@example.org', text='erase',"
        " by='operator')",
        ["Comment 2 on {slug}.", "Author 2 on {slug}"],
    ),
}


def operator_shell(server: StackServer, code: str) -> None:
    """`manage.py shell` run beside the stack, with make serve's environment."""
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=server.stack.app_env,
        check=True,
        capture_output=True,
    )


def read_all(server: StackServer, paths: list[str]) -> dict[str, bytes]:
    """Each page as nginx stored it, plain and gzipped (both forms are kept)."""
    pages = {}
    for path in paths:
        for headers in ({}, {"Accept-Encoding": "gzip"}):
            for _ in range(100):
                response, body = server.request("GET", path, headers)
                if response.getheader("X-Cache") == "HIT":
                    break
            assert response.getheader("X-Cache") == "HIT", path
            if headers:
                body = gzip.decompress(body)
            pages[path] = body
    return pages


@pytest.mark.parametrize("how", list(WITHDRAW))
def test_withdrawn_text_is_never_served_again_with_the_app_stopped(tmp_path, static_root, how):
    """Withdrawn, then the app stopped: no page nginx gives out holds the withdrawn text."""
    slug = "to-withdraw"
    code, texts = WITHDRAW[how]
    texts = [text.format(slug=slug) for text in texts]
    paths = [
        f"/articles/{slug}/",
        f"/articles/{slug}/comment-page-2/",
        f"/articles/{slug}/feed/",
        "/",
        "/feed/",
        "/feed/atom/",
        "/comments/feed/",
        "/sitemap.xml",
    ]
    with (
        server_database(tmp_path) as database_url,
        production_stack(
            tmp_path, database_url, static_root, DJANGO_COMMENTS_PER_PAGE="2"
        ) as server,
    ):
        operator_shell(server, SEED.format(slug=slug))
        before = read_all(server, paths)
        assert texts[-1].encode() in before[f"/articles/{slug}/comment-page-2/"]
        public = read_all(server, ["/articles/still-public/"])

        operator_shell(server, code.format(slug=slug))
        server.stop_app()
        time.sleep(2.5)  # Past every copy's s-maxage: each one is stale now.
        for path in paths + [f"{path}?utm_source=x" for path in paths]:
            for headers in ({}, {"Accept-Encoding": "gzip"}, {"Cookie": "csrftoken=x"}):
                response, body = server.request("GET", path, headers)
                if response.getheader("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                for text in texts:
                    assert text.encode() not in body, (how, path, headers, response.status)
                assert response.status in {200, 503}, (path, response.status)
        # Pages still public are still served from the cache while the app is down.
        response, body = server.request("GET", "/articles/still-public/")
        assert (response.status, response.getheader("X-Cache")) == (200, "STALE")
        assert body == public["/articles/still-public/"]


def test_a_page_read_after_the_change_is_the_one_served_while_the_app_is_down(
    tmp_path, static_root
):
    """A comment removed, the article read once, the app stopped: the page, without it."""
    slug = "to-withdraw"
    with (
        server_database(tmp_path) as database_url,
        production_stack(tmp_path, database_url, static_root) as server,
    ):
        operator_shell(server, SEED.format(slug=slug))
        read_all(server, [f"/articles/{slug}/"])
        operator_shell(server, WITHDRAW["comment removed"][0].format(slug=slug))
        fresh = read_all(server, [f"/articles/{slug}/"])[f"/articles/{slug}/"]
        assert b"Comment 2 on" not in fresh and b"Comment 1 on" in fresh
        server.stop_app()
        time.sleep(2.5)
        response, body = server.request("GET", f"/articles/{slug}/")
        assert (response.status, response.getheader("X-Cache"), body) == (200, "STALE", fresh)


def test_a_moderator_removing_a_comment_in_the_admin_withdraws_it(tmp_path, static_root):
    """The same through the admin's own form, posted through nginx by a logged-in moderator."""
    from tests.perf.test_stack import admin_login, admin_post, comment_id

    slug = "to-withdraw"
    with (
        server_database(tmp_path) as database_url,
        production_stack(tmp_path, database_url, static_root) as server,
    ):
        operator_shell(server, SEED.format(slug=slug))
        operator_shell(
            server,
            "from django.contrib.auth.models import User\n"
            "User.objects.create_superuser('moderator', 'm@example.org', "
            "'a-long-moderator-password-for-tests')",
        )
        read_all(server, [f"/articles/{slug}/", "/comments/feed/"])
        moderator = admin_login(server)
        queue = "/admin/comments/comment/?status=approved"
        _, page = server.request("GET", queue, moderator.header())
        target = comment_id(server, f"Comment 1 on {slug}.")
        form = f"action=remove&_selected_action={target}&index=0"
        admin_post(server, moderator, queue, page, form)
        removed = f"SELECT status FROM comments_comment WHERE id = {target}"
        assert query(server.database_url, removed) == [("removed",)]
        server.stop_app()
        time.sleep(2.5)
        for path in (f"/articles/{slug}/", "/comments/feed/"):
            response, body = server.request("GET", path)
            assert f"Comment 1 on {slug}.".encode() not in body, (path, response.status)
