"""Old WordPress links: a 301 to where the article is now, the same for every reader."""

import pytest
from django.conf import settings
from django.test import Client

from blog.models import Article
from tests.factories import UserFactory
from tests.wordpress.builder import comment, post, write_export

pytestmark = pytest.mark.django_db

NAME = "night-cramps"


@pytest.fixture
def imported(import_file, tmp_path):
    """An old blog with a post (day-and-name permalinks), a page, a draft, and a folder one."""
    import_file(
        write_export(
            tmp_path / "x.xml",
            post(5, name=NAME, title="Night cramps", comments=[comment(51)]),
            post(6, name="about", kind="page", link="https://old-blog.example/about/"),
            post(7, name="unfinished", status="draft"),
        ),
        "--pages",
    )
    return Article.objects.get(slug=NAME)


def moved_to(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 301, (url, response.status_code)
    assert response["Cache-Control"] == "public, max-age=3600"
    assert "Set-Cookie" not in response and "Vary" not in response
    return response["Location"].removeprefix(settings.SITE_URL)


@pytest.mark.parametrize(
    "old",
    [
        f"/2025/01/15/{NAME}/",  # day and name (the permalink in the export)
        f"/2025/01/15/{NAME}",
        f"/2025/01/{NAME}/",  # month and name
        f"/{NAME}/",  # post name
        f"/category/health/{NAME}/",
        "/archives/5",  # numeric
        "/archives/5/",
        "/?p=5",  # plain
        "/index.php?p=5",
        f"/index.php/2025/01/15/{NAME}/",
        f"/2025/01/15/{NAME}/comment-page-2/",
        f"/2025/01/15/{NAME}/2/",
        f"/2025/01/15/{NAME}/amp/",
        f"/2025/01/15/{NAME}/an-attached-photo/",
        f"/2025/01/15/{NAME.upper()}/",
        f"/2025/01/15/{NAME}/?replytocom=51",
    ],
)
def test_each_permalink_structure_reaches_the_article(client, imported, old):
    """Every structure WordPress offers, with comment pages and the like, lands on the article."""
    assert moved_to(client, old) == imported.get_absolute_url()


@pytest.mark.parametrize(
    "old",
    [
        f"/2025/01/15/{NAME}/feed/",
        f"/{NAME}/feed/rss2/",
        f"/2025/01/15/{NAME}/feed/atom/",
        "/?p=5&feed=rss2",
    ],
)
def test_a_post_feed_reaches_the_article_comment_feed(client, imported, old):
    """/<post>/feed/ was the post's comments feed: so is where it leads."""
    assert moved_to(client, old) == f"/articles/{NAME}/feed/"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/feed/rss2/", "/feed/"),
        ("/feed/rdf/", "/feed/"),
        ("/wp-rss2.php", "/feed/"),
        ("/wp-atom.php", "/feed/atom/"),
        ("/comments/feed/rss2/", "/comments/feed/"),
        ("/comments/feed/atom/", "/comments/feed/"),
        ("/?feed=rss2", "/feed/"),
        ("/?feed=comments-rss2", "/comments/feed/"),
    ],
)
def test_the_site_feeds_old_addresses_reach_the_feeds(client, imported, old, new):
    """Feed readers subscribed to WordPress keep getting the articles and comments."""
    assert moved_to(client, old) == new


def test_the_feeds_at_the_same_addresses_answer_directly(client, imported):
    """/feed/ and /comments/feed/ are this blog's own addresses too: no redirect needed."""
    assert client.get("/feed/").status_code == 200
    assert client.get("/comments/feed/").status_code == 200


def test_pages_answer_their_page_id_and_path(client, imported):
    """?page_id=6 and /about/ lead to the page imported as an article."""
    about = Article.objects.get(slug="about").get_absolute_url()
    assert moved_to(client, "/?page_id=6") == about
    assert moved_to(client, "/about/") == about
    # A post's id is no page: the home page (at its one address: serving/query.py).
    assert client.get("/?page_id=5", follow=True).redirect_chain == [("/", 301)]


def test_unknown_and_unpublished_old_links_stay_404(client, imported, staff_client):
    """A draft is never revealed by a redirect, to anyone; unknown links are 404."""
    # /2024/01/: a month with nothing published (a month with articles is their archive).
    for url in ("/2025/01/15/unfinished/", "/?p=7", "/archives/999", "/2024/01/", "/no-such-post/"):
        expected = 200 if url.startswith("/?") else 404
        assert client.get(url, follow=True).status_code == expected, url
        assert staff_client.get(url, follow=True).status_code in {expected, 200}, url
    assert client.get("/?p=7", follow=True).content == client.get("/").content


def test_the_home_page_and_its_pages_are_left_alone(client, imported):
    """Only WordPress's own query keys are read: ?page=2 and friends are this blog's."""
    assert client.get("/").status_code == 200
    assert client.get("/?page=1", follow=True).status_code == 200
    assert client.get("/?p=abc", follow=True).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/?p=²", "/?page_id=²", "/?p=٥", "/?p=" + "9" * 30, "/archives/²", "/archives/٥",
     "/archives/" + "9" * 30],
)  # fmt: skip
def test_an_id_that_is_not_ascii_digits_is_no_post(client, imported, url):
    """ "²" passes str.isdigit() and int() refuses it; "٥" reads as 5; a huge id overflows."""
    response = client.get(url, follow=True)
    assert response.status_code in {200, 404}, (url, response.status_code)


def test_posting_to_an_old_link_is_not_redirected(client, imported):
    """Only reads are redirected: a POST to an old address is the 404 it always was."""
    assert client.post(f"/2025/01/15/{NAME}/").status_code in {403, 404}


def test_an_old_blog_in_a_folder_is_found_under_it(import_file, tmp_path, client):
    """--old-url https://old.example/blog: /blog/2025/…/name/ leads to the article."""
    site = "https://old.example/blog"
    import_file(
        write_export(tmp_path / "x.xml", post(5, name="folder-post", site=site), site=site),
        "--old-url",
        "https://www.example.com/blog",
    )
    target = Article.objects.get(slug="folder-post").get_absolute_url()
    assert moved_to(client, "/blog/2025/01/15/folder-post/") == target
    assert moved_to(client, "/2025/01/15/folder-post/") == target


def test_the_redirect_is_the_same_for_every_reader(imported):
    """Anonymous, logged in, with cookies: one answer, which a shared cache may keep."""
    readers = [Client(), Client(headers={"cookie": "comments_pending=x"}), Client()]
    readers[2].force_login(UserFactory(is_staff=True))
    answers = {(r.get("/?p=5")["Location"], r.get("/?p=5")["Cache-Control"]) for r in readers}
    assert len(answers) == 1


def test_without_any_import_a_404_is_a_404(client):
    """No WordPress site imported: the middleware adds nothing, not even a query beyond one."""
    assert client.get("/2025/01/15/anything/").status_code == 404
