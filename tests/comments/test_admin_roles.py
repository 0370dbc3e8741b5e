"""Who may do what at the moderation desk: anonymous, plain staff, moderators, superusers."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from tests.comments.conftest import CHANGELIST
from tests.conftest import logged_in
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

MODERATION_ACTIONS = {"approve", "mark_as_spam", "remove", "back_to_pending"} | {
    # A commenter's data rights (comments/privacy/admin.py) are moderators' work too.
    "export_commenters",
    "erase_commenters_keep_text",
    "erase_commenters_and_text",
}


def action_names(response) -> set[str]:
    soup = BeautifulSoup(response.content, "html.parser")
    return {option["value"] for option in soup.select("select[name=action] option")} - {""}


def approve(client, comment):
    data = {"action": "approve", "index": "0", "_selected_action": [comment.pk]}
    return client.post(CHANGELIST, data, follow=True)


def staff_with(*codenames: str) -> Client:
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return logged_in(user)


@pytest.fixture
def held(seed_article) -> Comment:
    return CommentFactory(article=seed_article, status=Comment.Status.PENDING)


def test_moderators_group_holds_exactly_what_moderation_needs(db):
    """Moderate comments and see email deliveries: nothing on articles or users."""
    group = Group.objects.get(name="Moderators")
    assert set(group.permissions.values_list("content_type__app_label", "codename")) == {
        ("comments", "view_comment"),
        ("comments", "change_comment"),
        ("comments", "can_moderate"),
        ("comments", "view_delivery"),
    }


@pytest.mark.django_db(transaction=True)
def test_moderators_group_migration_is_reversible():
    """Migrating back removes the group; forward again recreates it."""
    call_command("migrate", "comments", "0002", verbosity=0)
    assert not Group.objects.filter(name="Moderators").exists()
    # Forward for every app: going back also unapplied the apps built on comments.
    call_command("migrate", verbosity=0)
    assert Group.objects.get(name="Moderators").permissions.count() == 4


class TestAnonymous:
    def test_sent_to_the_login_page(self, client, held):
        """The queue and each comment's page redirect to the admin login."""
        for url in [CHANGELIST, reverse("admin:comments_comment_change", args=[held.pk])]:
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))

    def test_cannot_act(self, client, held):
        """A posted action changes nothing."""
        response = client.post(
            CHANGELIST, {"action": "approve", "index": "0", "_selected_action": [held.pk]}
        )
        assert response.status_code == 302
        held.refresh_from_db()
        assert held.status == Comment.Status.PENDING


class TestStaffWithoutModeration:
    def test_staff_without_any_permission_are_refused(self, staff_client, held):
        """Being staff alone opens nothing."""
        assert staff_client.get(CHANGELIST).status_code == 403
        assert approve(staff_client, held).status_code == 403

    def test_viewer_sees_the_queue_but_no_actions(self, held):
        """view_comment alone: the list, without the moderation actions."""
        client = staff_with("view_comment")
        response = client.get(CHANGELIST)
        assert response.status_code == 200
        assert action_names(response) == set()

    def test_editor_without_can_moderate_cannot_change_status(self, held):
        """change_comment without can_moderate: typos yes, status no, actions refused."""
        client = staff_with("view_comment", "change_comment")
        assert action_names(client.get(CHANGELIST)) == set()
        response = approve(client, held)
        assert [str(m) for m in response.context["messages"]] == [
            "You may not moderate comments; ask an administrator to add you to the "
            "Moderators group. Nothing was changed."
        ]
        held.refresh_from_db()
        assert held.status == Comment.Status.PENDING

        url = reverse("admin:comments_comment_change", args=[held.pk])
        soup = BeautifulSoup(client.get(url).content, "html.parser")
        assert soup.select_one("select[name=status]") is None
        client.post(url, {"status": "approved", "body": "Fixed.", "author_name": "A"})
        refused = client.post(
            url, {"CHANGE_FORM-action": "approve", "_selected_action": [held.pk]}, follow=True
        )
        assert "You may not moderate comments" in refused.text
        held.refresh_from_db()
        assert (held.status, held.body) == (Comment.Status.PENDING, "Fixed.")


class TestModerator:
    def test_has_the_moderation_actions_but_not_delete(self, moderator_client, held):
        """Approve, spam, remove, back to pending; deleting is not offered."""
        assert action_names(moderator_client.get(CHANGELIST)) == MODERATION_ACTIONS
        assert [str(m) for m in approve(moderator_client, held).context["messages"]] == [
            "1 comment approved."
        ]

    def test_cannot_delete_or_add_comments(self, moderator_client, held):
        """Delete pages are for superusers; nobody types comments into the admin."""
        delete = reverse("admin:comments_comment_delete", args=[held.pk])
        assert moderator_client.get(delete).status_code == 403
        assert moderator_client.post(delete, {"post": "yes"}).status_code == 403
        assert moderator_client.get(reverse("admin:comments_comment_add")).status_code == 403
        assert Comment.objects.filter(pk=held.pk).exists()

    @pytest.mark.parametrize(
        "url_name",
        [
            "admin:blog_article_changelist",
            "admin:blog_article_add",
            "admin:auth_user_changelist",
            "admin:auth_group_changelist",
        ],
    )
    def test_cannot_reach_articles_or_users(self, moderator_client, url_name):
        """Moderators cannot edit articles, users or groups."""
        assert moderator_client.get(reverse(url_name)).status_code == 403

    def test_cannot_change_an_article(self, moderator_client, seed_article):
        """Not even by posting to its page."""
        url = reverse("admin:blog_article_change", args=[seed_article.pk])
        assert moderator_client.post(url, {"title": "Hijacked"}).status_code == 403
        seed_article.refresh_from_db()
        assert seed_article.title != "Hijacked"


class TestSuperuser:
    def test_may_delete_outright(self, superuser_client, held):
        """Superusers alone get delete_selected and the delete page."""
        names = action_names(superuser_client.get(CHANGELIST))
        assert names == MODERATION_ACTIONS | {"delete_selected"}
        delete = reverse("admin:comments_comment_delete", args=[held.pk])
        assert superuser_client.post(delete, {"post": "yes"}).status_code == 302
        assert not Comment.objects.filter(pk=held.pk).exists()
