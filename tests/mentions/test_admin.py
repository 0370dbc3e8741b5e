"""Mentions in the admin: approving one shows it on its article at once, removing hides it."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from mentions.models import Mention, Outgoing
from tests.conftest import migrated_back_to
from tests.factories import ArticleFactory
from wordpress.models import ImportedComment

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


def test_moderators_decide_mentions_as_they_decide_comments(moderator_client, client, mention):
    """The Moderators group sees the held mentions and approves them; nothing else is new to it."""
    page = moderator_client.get(f"{CHANGELIST}?status__exact=pending").content.decode()
    assert "Calf Care" in page
    response = act(moderator_client, "approve", mention)
    assert "1 mention approved." in response.content.decode()
    assert "Calf Care" in client.get(mention.article.get_absolute_url()).content.decode()
    assert moderator_client.get(reverse("admin:mentions_outgoing_changelist")).status_code == 200
    assert moderator_client.get(reverse("admin:blog_article_changelist")).status_code == 403


def test_the_webmentions_sent_are_a_log_nobody_edits(superuser_client, mention):
    """No adding, no changing: what the site sent and how each endpoint answered."""
    outgoing = Outgoing.objects.create(
        article=mention.article, target="https://other.example/p", status="failed",
        answer=400, last_error="The endpoint answered 400.",
    )  # fmt: skip
    page = superuser_client.get(reverse("admin:mentions_outgoing_changelist")).content.decode()
    assert "https://other.example/p" in page and "Failed" in page
    change = reverse("admin:mentions_outgoing_change", args=[outgoing.pk])
    detail = superuser_client.get(change).content.decode()
    assert "The endpoint answered 400." in detail and 'name="target"' not in detail
    assert superuser_client.get(reverse("admin:mentions_outgoing_add")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_mentions_imported_before_the_move_keep_their_rows_and_links():
    """The WordPress app's table becomes the mentions app's: rows and import records intact."""
    call_command("migrate", "mentions", "zero", verbosity=0)  # wordpress 0002 goes with it
    old = migrated_back_to("wordpress", "0001_initial")
    article = old.get_model("blog", "Article").objects.create(
        title="Old", slug="old", body="Old.", body_html="<p>Old.</p>", status="published"
    )
    site = old.get_model("wordpress", "WordPressSite").objects.create(
        url="https://old.example", address="https://old.example"
    )
    ping = old.get_model("wordpress", "Mention").objects.create(
        article=article, title="A pingback", url="https://ping.example/", status="approved"
    )
    old.get_model("wordpress", "ImportedComment").objects.create(site=site, wp_id=7, mention=ping)

    call_command("migrate", verbosity=0)

    moved = Mention.objects.get(pk=ping.pk)
    assert (moved.title, moved.kind, moved.status, moved.author_name) == (
        "A pingback", "pingback", "approved", "",
    )  # fmt: skip
    assert ImportedComment.objects.get(wp_id=7).mention == moved
