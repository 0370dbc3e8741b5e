"""
Query strings, as the app answers them (serving/query.py): tracking links are
the page, any other parameter a page does not read is a permanent redirect to
the page's one address, and the parameters pages read keep working.

The same rules through nginx, at its speed and without a new cache entry, are
in tests/perf/test_query_strings.py.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blog.models import full_url
from comments.models import Comment
from serving.query import PAGE_PARAMETERS, canonical_query, is_tracking, parameters_in_use
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

TRACKING = [
    "utm_source=newsletter&utm_medium=email&utm_campaign=spring",
    "fbclid=IwAR2x",
    "gclid=Cj0KCQ&dclid=x&msclkid=y",
    "mc_cid=1&mc_eid=2&igshid=3&_hsenc=4&_hsmi=5",
    "ref=producthunt&yclid=1&twclid=2&li_fat_id=3",
    "UTM_Source=upper&utm_content=",
    "utm_source=a&utm_source=b",
    "fbclid=x&&&utm_term=",
]


@pytest.mark.parametrize("query", TRACKING)
def test_a_tracking_link_is_the_page_itself(client, seed_article, query):
    """Only tracking parameters: the same bytes, ETag and canonical link as the plain address."""
    plain = client.get(seed_article.get_absolute_url())
    tracked = Client().get(f"{seed_article.get_absolute_url()}?{query}")
    assert tracked.status_code == 200
    assert tracked.content == plain.content
    assert tracked["ETag"] == plain["ETag"]
    assert tracked["Cache-Control"] == plain["Cache-Control"]
    canonical = f'<link rel="canonical" href="{seed_article.get_full_url()}">'
    assert canonical in tracked.content.decode()


@pytest.mark.parametrize(
    ("query", "target"),
    [
        ("x=1", ""),
        ("page=2", ""),  # read by the home page, not by an article
        ("=x", ""),
        ("%72eplytocom=5", "?replytocom=5"),  # the same name, percent-encoded
        ("replytocom=5&replytocom=6", "?replytocom=6"),
        ("replytocom=5&utm_source=x", "?replytocom=5"),
        ("fbclid=1&x=2", ""),
        ("a" * 8000 + "=1", ""),
    ],
)
def test_what_an_article_does_not_read_is_a_permanent_redirect(client, seed_article, query, target):
    """Another parameter, or a value not in its one form: 301 to the page, private, no query run."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{seed_article.get_absolute_url()}?{query}")
    assert response.status_code == 301
    assert response["Location"] == f"{seed_article.get_absolute_url()}{target}"
    assert response["Cache-Control"] == "private, max-age=86400"
    assert not queries.captured_queries


def test_the_home_page_reads_its_page_number(client):
    """?page=2 is the second page of articles; ?page=1, ?page=02 and words lead to the first."""
    ArticleFactory.create_batch(25)
    second = client.get("/?page=2")
    assert second.status_code == 200
    assert "?page=2" in second.content.decode()  # its canonical link
    for query, target in (("page=1", "/"), ("page=02", "/?page=2"), ("page=x", "/"), ("p=x", "/")):
        response = client.get(f"/?{query}")
        assert (response.status_code, response["Location"]) == (301, target), query
    assert client.get("/?page=9").status_code == 404


def test_a_reply_link_opens_the_form_for_that_comment(client, seed_article):
    """?replytocom=N, as WordPress links it, still chooses the comment replied to."""
    parent = CommentFactory(article=seed_article, author_name="Maya")
    response = client.get(f"{seed_article.get_absolute_url()}?replytocom={parent.pk}")
    assert response.status_code == 200
    assert "Leave a Reply to Maya" in response.content.decode()


def test_a_reply_page_is_answered_for_its_reader_alone(client, seed_article):
    """Any id, real or made up, adds no copy a shared cache keeps: the reply form is private."""
    parent = CommentFactory(article=seed_article)
    for comment_id in (parent.pk, 999_999, "007", "abc", ""):
        response = client.get(f"{seed_article.get_absolute_url()}?replytocom={comment_id}")
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert "ETag" not in response


def test_wordpress_links_and_the_permalink_parameter_still_work(client, seed_article):
    """?feed=rss2 on the home page, and /comments/<id>/?article=<slug>, are read before any page."""
    response = client.get("/?feed=rss2")
    assert (response.status_code, response["Location"]) == (301, full_url(reverse("blog:feed")))
    comment = CommentFactory(article=seed_article)
    response = client.get(f"/comments/{comment.pk}/?article={seed_article.slug}")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    response = client.get(f"/comments/{comment.pk}/?article={seed_article.slug}&x=1")
    assert response["Location"] == f"/comments/{comment.pk}/?article={seed_article.slug}"


def test_the_sitemap_reads_its_page_number(client, seed_article):
    """django.contrib.sitemaps' ?p=: the first page has one address."""
    response = client.get("/sitemap.xml?p=1")
    assert (response.status_code, response["Location"]) == (301, "/sitemap.xml")


def test_the_admin_and_the_health_check_read_what_they_like(superuser_client):
    """The admin's own parameters are left alone."""
    response = superuser_client.get(
        f"{reverse('admin:comments_comment_changelist')}?status=pending"
    )
    assert response.status_code == 200
    assert Client().get("/healthz?probe=1").status_code == 200


def test_posts_are_not_redirected(client, seed_article):
    """A form's POST keeps its address whatever it carries."""
    response = client.post(f"/articles/{seed_article.slug}/comments/?x=1", {})
    assert response.status_code != 301


def test_every_parameter_a_page_reads_is_declared():
    """The list nginx is given holds each page's parameters and WordPress's."""
    declared = {name for reads in PAGE_PARAMETERS.values() for name in reads}
    assert declared | {"p", "page_id", "feed", "s"} == set(parameters_in_use())
    assert "replytocom" in parameters_in_use()


@pytest.mark.parametrize(
    ("name", "tracking"),
    [("utm_source", True), ("utm_", True), ("UTM_X", True), ("fbclid", True), ("ref", True)]
    + [("utm", False), ("fbclidx", False), ("reference", False), ("page", False), ("", False)],
)
def test_tracking_names(name, tracking):
    assert is_tracking(name) is tracking


def test_the_canonical_query_keeps_what_the_page_reads_in_its_one_form():
    """The value Django reads (the last), in its one form; whether only tracking ones came."""
    reads = PAGE_PARAMETERS["blog:home"]
    assert canonical_query("utm_source=x&fbclid=y", reads) == ("", True)
    assert canonical_query("page=3&utm_source=x", reads) == ("page=3", False)
    assert canonical_query("page=3&page=4", reads) == ("page=4", False)
    assert canonical_query("x=1&page=03", reads) == ("page=3", False)
    assert canonical_query("page=2&page=1", reads) == ("", False)


def test_held_comments_cannot_be_replied_to_through_the_link(client, seed_article):
    """A held comment's id gives the ordinary form (as before), on a private page."""
    held = CommentFactory(article=seed_article, status=Comment.Status.PENDING)
    response = client.get(f"{seed_article.get_absolute_url()}?replytocom={held.pk}")
    assert response.status_code == 200
    assert "Leave a Reply to" not in response.content.decode()
