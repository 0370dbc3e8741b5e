"""Mentions in the admin: approving one shows it on its article at once, removing hides it."""

import pytest
from django.urls import reverse

from mentions.models import Mention
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:mentions_mention_changelist")


@pytest.fixture
def mention():
    return Mention.objects.create(
        article=ArticleFactory(), title="Calf Care", url="https://calf.example/", status="pending"
    )


def act(client, action: str, mention: Mention):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [mention.pk]}, follow=True
    )


def test_approving_a_mention_shows_it_on_its_article(superuser_client, client, mention):
    """The page, cached or not, gains "Mentioned elsewhere" as soon as it is approved."""
    url = mention.article.get_absolute_url()
    assert "Calf Care" not in client.get(url).content.decode()
    response = act(superuser_client, "approve", mention)
    assert "1 mention approved." in response.content.decode()
    page = client.get(url).content.decode()
    assert "Mentioned elsewhere" in page and 'href="https://calf.example/"' in page

    assert "1 mention removed." in act(superuser_client, "remove", mention).content.decode()
    assert "Calf Care" not in client.get(url).content.decode()


def test_a_mention_without_a_web_address_is_shown_without_a_link(client, mention):
    """A javascript: address (or none) is never made a link."""
    mention.url, mention.status = "javascript:alert(1)", "approved"
    mention.save()
    page = client.get(mention.article.get_absolute_url()).content.decode()
    assert "Calf Care" in page and "javascript:" not in page


def test_the_changelist_lists_mentions_for_staff(superuser_client, mention):
    """Staff find the mentions, their article and status, in the admin."""
    page = superuser_client.get(CHANGELIST).content.decode()
    assert "Calf Care" in page and "Pending" in page
    assert str(mention) == f"Pingback from Calf Care on {mention.article}"


@pytest.mark.parametrize("status", ["pending", "removed"])
def test_taking_back_a_mention_on_its_own_page_hides_it_at_once(
    superuser_client, client, mention, status
):
    """Its change form, like the actions: a mention that stops being approved leaves the page."""
    mention.status = "approved"
    mention.save()
    url = mention.article.get_absolute_url()
    assert "Calf Care" in client.get(url).content.decode()
    change = reverse("admin:mentions_mention_change", args=[mention.pk])
    form = {
        "article": mention.article_id,
        "kind": mention.kind,
        "title": mention.title,
        "url": mention.url,
        "excerpt": "",
        "status": status,
        "created_at_0": mention.created_at.date().isoformat(),
        "created_at_1": mention.created_at.time().strftime("%H:%M:%S"),
    }
    assert superuser_client.post(change, form).status_code == 302
    assert Mention.objects.get().status == status
    assert "Calf Care" not in client.get(url).content.decode()
