"""Staff manage articles in the Django admin."""

import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from blog.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:blog_article_changelist")


def test_changelist_shows_status_and_dates(superuser_client, seed_article):
    """The list shows each article's status, publication and update times."""
    response = superuser_client.get(CHANGELIST)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    headers = [th.get_text(strip=True) for th in soup.select("#result_list thead th")]
    for column in ("Title", "Status", "Publication time", "Update time"):
        assert column in headers
    assert seed_article.title in response.content.decode()


def test_changelist_searches_and_filters_by_status(superuser_client, seed_article):
    """Search finds articles by their words; the status filter narrows the list."""
    ArticleFactory(title="Calf stretches", status=Article.Status.DRAFT)
    found = superuser_client.get(CHANGELIST, {"q": "calf"}).content.decode()
    assert "Calf stretches" in found and seed_article.title not in found
    drafts = superuser_client.get(CHANGELIST, {"status__exact": "draft"}).content.decode()
    assert "Calf stretches" in drafts and seed_article.title not in drafts


def test_add_form_prepopulates_slug_from_title(superuser_client):
    """The slug field follows the title as staff type it."""
    response = superuser_client.get(reverse("admin:blog_article_add"))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    constants = soup.select_one("#django-admin-prepopulated-fields-constants")
    fields = json.loads(constants["data-prepopulated-fields"])
    assert {"id": "#id_slug", "dependency_ids": ["#id_title"]}.items() <= fields[0].items()


def test_adding_an_article_renders_its_body(superuser_client):
    """Saving from the admin stores the rendered HTML beside the Markdown."""
    response = superuser_client.post(
        reverse("admin:blog_article_add"),
        {
            "title": "Night cramps",
            "slug": "night-cramps",
            "standfirst": "Why they come at night.",
            "body": "## Why\n\nBecause *reasons*.",
            "status": "draft",
            "published_at_0": "2026-01-01",
            "published_at_1": "10:00:00",
            "comments_open": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    article = Article.objects.get(slug="night-cramps")
    assert article.body_html == "<h2>Why</h2>\n<p>Because <em>reasons</em>.</p>"


def test_view_on_site_opens_a_draft_preview(superuser_client):
    """The admin's "view on site" link reaches a draft, which staff may preview."""
    draft = ArticleFactory(status=Article.Status.DRAFT, title="Work in progress")
    content_type = ContentType.objects.get_for_model(Article)
    shortcut = reverse("admin:view_on_site", args=[content_type.pk, draft.pk])
    change_page = superuser_client.get(reverse("admin:blog_article_change", args=[draft.pk]))
    assert shortcut in change_page.content.decode()

    redirect = superuser_client.get(shortcut)
    assert redirect.status_code == 302
    preview = superuser_client.get(redirect["Location"])
    assert preview.status_code == 200
    assert "Work in progress" in preview.content.decode()
