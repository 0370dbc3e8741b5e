"""Anonymous readers get article pages from the cache, never stale and never shared wrongly."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blog.cache import agrees_with_declaration, cut
from comments.forms import CommentForm
from comments.models import Comment
from comments.spam import new_stamp
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_comment_changelist")


@pytest.fixture
def comment_data() -> dict[str, str]:
    """What a reader types, with the form's signed timestamp."""
    return {
        "author_name": "Maya Okafor",
        "author_email": "maya.okafor@example.net",
        "body": "This helped with my night cramps.",
        "issued": new_stamp(),
    }


def get(client: Client, url: str, **headers):
    """GET a page, counting the SQL queries it runs."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    response.query_count = len(queries)
    return response


def hidden_inputs(response) -> dict[str, str]:
    """The hidden inputs of the comment form, as a browser would send them back."""
    form = BeautifulSoup(response.content, "html.parser").select_one("#commentform")
    return {tag["name"]: tag.get("value", "") for tag in form.select("input[type=hidden][name]")}


def test_article_page_queries_are_fixed_cold_and_at_most_four_warm(seed_article):
    """Cold: as many queries for 0 comments as for 60; warm: four at most, fewer than cold."""
    cold_counts = []
    for article, count in ((seed_article, 0), (ArticleFactory(), 60)):
        roots = CommentFactory.create_batch(count // 2, article=article)
        for parent in roots:
            CommentFactory(article=article, parent=parent)
        cold = get(Client(), article.get_absolute_url())
        warm = get(Client(), article.get_absolute_url())
        assert cold.status_code == warm.status_code == 200
        expected = f"{count} Comments" if count else "No comments yet"
        assert expected in warm.content.decode()
        assert warm.query_count <= 4
        assert warm.query_count < cold.query_count
        cold_counts.append(cold.query_count)
    assert cold_counts[0] == cold_counts[1]


def test_home_page_queries_do_not_grow_with_articles_or_comments(client):
    """One article or forty with comments: the home page runs the same few queries."""
    one = get(client, "/").query_count
    for article in ArticleFactory.create_batch(40):
        CommentFactory.create_batch(3, article=article)
    assert get(client, "/").query_count == one <= 4


def test_saving_the_article_replaces_its_cached_page(client, seed_article):
    """An edit shows at once to readers who were served the cached page."""
    assert "Unlocking Relief" in client.get(seed_article.get_absolute_url()).content.decode()
    seed_article.title = "Cramps, revisited"
    seed_article.save()
    page = Client().get(seed_article.get_absolute_url()).content.decode()
    assert "Cramps, revisited" in page
    assert "Unlocking Relief" not in page


def test_a_comment_changing_status_replaces_the_cached_page(client, superuser_client, seed_article):
    """Approved (one by one or in the admin), removed or deleted: readers see it at once."""
    url = seed_article.get_absolute_url()
    first = CommentFactory(article=seed_article, status="pending", body="First thoughts.")
    second = CommentFactory(article=seed_article, status="pending", body="Second thoughts.")
    assert "First thoughts." not in client.get(url).content.decode()

    first.status = Comment.Status.APPROVED
    first.save()
    assert "First thoughts." in client.get(url).content.decode()

    superuser_client.post(CHANGELIST, {"action": "approve", "_selected_action": [second.pk]})
    assert "Second thoughts." in client.get(url).content.decode()

    first.status = Comment.Status.REMOVED
    first.save()
    assert "First thoughts." not in client.get(url).content.decode()

    second.delete()
    assert "Second thoughts." not in client.get(url).content.decode()


def test_a_new_held_comment_leaves_the_cached_page_in_place(client, seed_article, comment_data):
    """Comments waiting for moderation change nothing public, so readers keep the cached copy."""
    url = seed_article.get_absolute_url()
    get(client, url)
    warm = get(Client(), url).query_count
    client.post(reverse("comments:post", args=[seed_article.slug]), comment_data)
    assert get(Client(), url).query_count == warm


def test_closing_time_passing_replaces_the_cached_page(client, seed_article):
    """Comments that close by the clock close on the cached page too, with no save."""
    url = seed_article.get_absolute_url()
    type(seed_article).objects.filter(pk=seed_article.pk).update(
        comments_close_at=timezone.now() + timedelta(hours=1)
    )
    assert "Leave a Reply" in client.get(url).content.decode()
    # The clock passing the closing time, without anything being saved:
    type(seed_article).objects.filter(pk=seed_article.pk).update(
        comments_close_at=timezone.now() - timedelta(seconds=1)
    )
    page = Client().get(url).content.decode()
    assert "Comments are closed." in page
    assert "Leave a Reply" not in page


def test_each_reader_gets_their_own_csrf_token_and_form_stamp(seed_article, comment_data):
    """From the cached page, every reader's token works for them alone; stamps are fresh."""
    url = seed_article.get_absolute_url()
    post_url = reverse("comments:post", args=[seed_article.slug])
    readers = [Client(enforce_csrf_checks=True) for _ in range(3)]
    forms = [hidden_inputs(reader.get(url)) for reader in readers]
    tokens = [form["csrfmiddlewaretoken"] for form in forms]
    assert len(set(tokens)) == 3
    assert len({form["issued"] for form in forms}) == 3
    for reader in readers:
        assert reader.cookies["csrftoken"].value

    # Reader 0 posting with reader 1's token is refused; with their own, accepted.
    refused = readers[0].post(post_url, {**comment_data, **forms[1]})
    assert refused.status_code == 403
    accepted = readers[0].post(post_url, {**comment_data, **forms[0]})
    assert accepted.status_code == 302
    assert Comment.objects.count() == 1


def test_the_form_stamp_on_a_cached_page_is_the_moment_it_was_served(seed_article, settings):
    """A bot fetching the cached page and posting at once is still caught as too fast."""
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 60
    url = seed_article.get_absolute_url()
    Client().get(url)  # Fills the cache.
    bot = Client()
    form = hidden_inputs(bot.get(url))
    response = bot.post(
        reverse("comments:post", args=[seed_article.slug]),
        {**form, "author_name": "Bot", "author_email": "bot@example.com", "body": "Buy now"},
    )
    assert response.status_code == 302
    assert Comment.objects.get().status == Comment.Status.SPAM


def test_conditional_get_answers_304_until_the_page_changes(client, seed_article):
    """Same page, same browser: 304; a new comment, or another browser's cookie: the page."""
    url = seed_article.get_absolute_url()
    first = client.get(url)
    etag = first["ETag"]
    assert "private" in first["Cache-Control"]
    assert "no-cache" in first["Cache-Control"]

    again = client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""

    stranger = Client().get(url, headers={"if-none-match": etag})
    assert stranger.status_code == 200  # Its copy would carry someone else's token.

    CommentFactory(article=seed_article, body="Fresh news.")
    changed = client.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert "Fresh news." in changed.content.decode()
    assert changed["ETag"] != etag


def test_authors_own_held_comment_shows_even_when_the_page_is_cached(
    client, seed_article, comment_data
):
    """The author with the pending cookie bypasses the shared copy; others keep it."""
    url = seed_article.get_absolute_url()
    Client().get(url)  # Cached before the comment.
    client.post(reverse("comments:post", args=[seed_article.slug]), comment_data)
    own = client.get(url)
    assert "Your comment is awaiting moderation." in own.content.decode()
    assert "private" in own["Cache-Control"]
    other = Client().get(url).content.decode()
    assert "night cramps" not in other
    # And the author's view did not become everyone's.
    assert "awaiting moderation" not in Client().get(url).content.decode()


def test_staff_previews_and_staff_pages_never_come_from_or_go_to_the_cache(
    staff_client, seed_article
):
    """A draft is previewed fresh, uncached; staff reading a published page bypass the copy."""
    draft = ArticleFactory(status="draft", title="Secret draft")
    preview = staff_client.get(draft.get_absolute_url())
    assert "Preview: readers cannot see this article yet." in preview.content.decode()
    assert "no-store" in preview["Cache-Control"]
    assert not preview.has_header("ETag")
    assert Client().get(draft.get_absolute_url()).status_code == 404

    assert not staff_client.get(seed_article.get_absolute_url()).has_header("ETag")
    draft.status = "published"
    draft.save()
    public = Client().get(draft.get_absolute_url()).content.decode()
    assert "Secret draft" in public
    assert "Preview:" not in public


def test_reply_links_and_refused_forms_are_not_cached(client, seed_article, comment_data):
    """?replytocom and a form with errors are one reader's; the shared page stays clean."""
    parent = CommentFactory(article=seed_article, author_name="Ana")
    url = seed_article.get_absolute_url()
    reply = client.get(f"{url}?replytocom={parent.pk}")
    assert "Leave a Reply to Ana" in reply.content.decode()
    errors = client.post(
        reverse("comments:post", args=[seed_article.slug]), {**comment_data, "body": ""}
    )
    assert errors.status_code == 400
    page = Client().get(url).content.decode()
    assert "Leave a Reply to Ana" not in page
    assert "Please write your comment." not in page
    assert "maya.okafor" not in page


def test_first_reader_from_a_warm_cache_gets_a_working_csrf_cookie(seed_article, comment_data):
    """A reader with no cookie at all, served from the cache, gets the cookie its token needs."""
    url = seed_article.get_absolute_url()
    Client().get(url)
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(url)
    assert "csrftoken" in page.cookies
    response = reader.post(
        reverse("comments:post", args=[seed_article.slug]),
        {**comment_data, **hidden_inputs(page), "issued": new_stamp()},
    )
    assert response.status_code == 302


def test_a_page_not_rendered_as_expected_is_never_shared():
    """A reader's part found twice, or its value showing outside its slot: no shared copy."""
    parts = {
        "csrfmiddlewaretoken": ('<input name="t" value="abc">', "abc"),
        "issued": ('<input name="issued" value="old">', "old"),
    }
    page = cut('<p>x</p><input name="t" value="abc"><input name="issued" value="old">', parts)
    assert page.fill("new", {"issued": "now"}) == (
        b'<p>x</p><input type="hidden" name="csrfmiddlewaretoken" value="new">'
        b'<input name="issued" value="now">'
    )
    assert page.fill("new", {}) is None  # A field this code no longer has: render afresh.
    twice = '<input name="t" value="abc"><input name="t" value="abc">'
    assert cut(twice, parts) is None
    assert cut('<input value="abc" name="t">', parts) is None
    closed = cut("<p>Comments are closed.</p>", parts)
    assert closed.fill("new", {}) == b"<p>Comments are closed.</p>"
    empty = cut('<input name="p">', {"p": ('<input name="p">', "")})
    assert empty.fill("new", {"p": "5"}) is None  # No value to swap: render afresh.


def test_a_form_whose_hidden_values_are_not_its_declared_ones_is_not_shared(seed_article):
    """If the form sets a hidden value the cache cannot reproduce, the page is not shared."""
    assert agrees_with_declaration(CommentForm(article=seed_article))
    assert not agrees_with_declaration(CommentForm(article=seed_article, initial={"parent": 7}))
