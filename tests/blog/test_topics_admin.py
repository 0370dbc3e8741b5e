"""Staff file articles under categories, tags and an author in the admin."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from blog.models import Article, Category, Tag
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, TagFactory

pytestmark = pytest.mark.django_db


def errors(response) -> list[str]:
    soup = BeautifulSoup(response.content, "html.parser")
    return [item.get_text(strip=True) for item in soup.select(".errorlist li")]


def article_form(article: Article, **changes) -> dict:
    data = {
        "title": article.title,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body": article.body,
        "status": article.status,
        "published_at_0": article.published_at.strftime("%Y-%m-%d"),
        "published_at_1": article.published_at.strftime("%H:%M:%S"),
        "comments_open": "on",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_staff_file_an_article_under_an_author_categories_and_tags(superuser_client):
    """The article's form takes a byline, categories and tags; the page shows them."""
    article = ArticleFactory(title="Calf stretches")
    author, tag, category = AuthorFactory(name="Ana"), TagFactory(name="Calves"), CategoryFactory()
    url = reverse("admin:blog_article_change", args=[article.pk])
    form = BeautifulSoup(superuser_client.get(url).content, "html.parser")
    for name in ("author", "categories", "tags"):
        assert form.select_one(f'select[name="{name}"]'), name
    data = article_form(article, author=author.pk, categories=[category.pk], tags=[tag.pk])
    response = superuser_client.post(url, data)
    assert response.status_code == 302, errors(response)
    page = superuser_client.get(article.get_absolute_url()).content.decode()
    assert "Ana" in page and "Calves" in page and category.name in page


def test_a_tag_of_ten_thousand_characters_is_refused_with_a_sentence(superuser_client):
    """An absurd tag name is a message under the field, the rest kept, never a 500."""
    response = superuser_client.post(
        reverse("admin:blog_tag_add"),
        {"name": "x" * 10_000, "slug": "y" * 10_000, "description": "Kept as typed."},
    )
    assert response.status_code == 200
    assert any("at most 100 characters" in error for error in errors(response))
    assert "Kept as typed." in response.content.decode()
    assert not Tag.objects.exists()


def test_a_tag_with_a_slug_that_is_no_address_is_refused(superuser_client):
    """A slug with spaces or slashes would be no page address: refused with a sentence."""
    response = superuser_client.post(
        reverse("admin:blog_tag_add"), {"name": "Merino", "slug": "../merino wool"}
    )
    assert response.status_code == 200 and errors(response)
    assert not Tag.objects.exists()


def test_a_category_cannot_sit_inside_its_own_child(superuser_client):
    """A loop of categories is refused at the parent field."""
    gear = CategoryFactory(name="Gear", slug="gear")
    shoes = CategoryFactory(name="Shoes", slug="shoes", parent=gear)
    response = superuser_client.post(
        reverse("admin:blog_category_change", args=[gear.pk]),
        {"name": "Gear", "slug": "gear", "parent": shoes.pk, "description": ""},
    )
    assert response.status_code == 200
    assert "A category cannot sit inside itself or a category inside it." in errors(response)
    assert Category.objects.get(pk=gear.pk).parent is None


def test_tags_are_found_by_the_autocomplete_the_article_form_uses(superuser_client):
    """Typing part of a tag's name in the article form offers it (the admin's autocomplete)."""
    TagFactory(name="Merino")
    TagFactory(name="Blisters")
    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {"term": "meri", "app_label": "blog", "model_name": "article", "field_name": "tags"},
    )
    assert [result["text"] for result in response.json()["results"]] == ["Merino"]
