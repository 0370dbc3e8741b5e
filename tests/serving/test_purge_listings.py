"""
Topic and archive pages leave nginx's cache when an article on them changes (serving/purge.py).

The cache is a folder of files named as nginx names them, as in test_purge.py; the real
nginx is in tests/perf/test_topic_pages.py.
"""

from datetime import UTC, datetime

import pytest

from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, TagFactory
from tests.serving.test_purge import cache, store  # noqa: F401, F811 (the fixture)

pytestmark = pytest.mark.django_db

LISTINGS = [
    "/tags/merino/",
    "/tags/merino/feed/",
    "/categories/shoes/",
    "/categories/shoes/feed/",
    "/categories/gear/",  # the category the article's sits inside
    "/authors/jonas/",
    "/authors/jonas/feed/",
    "/archive/2025/",
    "/archive/2025/03/",
]


@pytest.fixture
def tagged_article():
    gear = CategoryFactory(slug="gear")
    shoes = CategoryFactory(slug="shoes", parent=gear)
    article = ArticleFactory(
        author=AuthorFactory(slug="jonas"), published_at=datetime(2025, 3, 14, 9, tzinfo=UTC)
    )
    article.categories.add(shoes)
    article.tags.add(TagFactory(slug="merino"))
    return article


def test_unpublishing_deletes_every_listing_of_the_article(
    cache,  # noqa: F811
    tagged_article,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    """Unpublished: its tag, category (and parent), author and archive pages all go."""
    files = store(*LISTINGS, "/tags/merino/?page=2", "/tags/unrelated/")
    with django_capture_on_commit_callbacks(execute=True):
        tagged_article.status = "draft"
        tagged_article.save()
    remaining = [path for path in files if path.exists()]
    assert len(remaining) == 4  # /tags/unrelated/ alone, in its four forms


def test_untagging_deletes_the_tags_page(cache, tagged_article, django_capture_on_commit_callbacks):  # noqa: F811
    """A tag taken off an article (no article save): the tag's page and the article's go."""
    files = store("/tags/merino/", tagged_article.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        tagged_article.tags.clear()
    assert not any(path.exists() for path in files)


def test_tagging_deletes_the_new_tags_page(
    cache,  # noqa: F811
    tagged_article,
    django_capture_on_commit_callbacks,
):
    """A tag added: the page that now lists the article is withdrawn, to be stored anew."""
    TagFactory(slug="blisters")
    files = store("/tags/blisters/")
    with django_capture_on_commit_callbacks(execute=True):
        tagged_article.tags.add(*type(tagged_article.tags.first()).objects.filter(slug="blisters"))
    assert not any(path.exists() for path in files)


def test_moving_the_date_deletes_the_former_archive(
    cache,  # noqa: F811
    tagged_article,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    """Redated: both the month it left and the month it joined are withdrawn."""
    files = store("/archive/2025/03/", "/archive/2024/07/")
    with django_capture_on_commit_callbacks(execute=True):
        tagged_article.published_at = datetime(2024, 7, 1, 9, tzinfo=UTC)
        tagged_article.save()
    assert not any(path.exists() for path in files)


def test_renaming_a_tags_slug_deletes_its_former_pages_and_the_articles(
    cache,  # noqa: F811
    tagged_article,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    """A tag's slug changed: its old page, its feed and the article showing it are withdrawn."""
    files = store("/tags/merino/", "/tags/merino/feed/", tagged_article.get_absolute_url())
    tag = tagged_article.tags.get()
    with django_capture_on_commit_callbacks(execute=True):
        tag.slug = "merino-wool"
        tag.save()
    assert not any(path.exists() for path in files)


def test_deleting_a_category_deletes_its_pages(
    cache,  # noqa: F811
    tagged_article,
    django_capture_on_commit_callbacks,
):
    """A category deleted: its pages and the article that showed it go."""
    files = store("/categories/shoes/", tagged_article.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        tagged_article.categories.get().delete()
    assert not any(path.exists() for path in files)
