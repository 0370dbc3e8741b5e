"""Who may do what at the moderation desk: anonymous, plain staff, moderators, superusers."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from comments.privacy.rights import ANONYMOUS, erase_commenter, export_commenter
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
    """Moderate comments and mentions, see email deliveries and Webmentions sent: nothing more."""
    group = Group.objects.get(name="Moderators")
    assert set(group.permissions.values_list("content_type__app_label", "codename")) == {
        ("comments", "view_comment"),
        ("comments", "change_comment"),
        ("comments", "can_moderate"),
        ("comments", "view_delivery"),
        ("mentions", "view_mention"),
        ("mentions", "change_mention"),
        ("mentions", "view_outgoing"),
    }


@pytest.mark.django_db(transaction=True)
def test_moderators_group_migration_is_reversible():
    """Migrating back removes the group; forward again recreates it."""
    call_command("migrate", "comments", "0002", verbosity=0)
    assert not Group.objects.filter(name="Moderators").exists()
    # Forward for every app: going back also unapplied the apps built on comments.
    call_command("migrate", verbosity=0)
    assert Group.objects.get(name="Moderators").permissions.count() == 7


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


class TestEditorWhoMayNotModerate:
    """
    change_comment without can_moderate, attacking: rewriting a published comment so that
    readers see words no moderator approved.
    """

    @pytest.fixture
    def editor(self) -> Client:
        return staff_with("view_comment", "change_comment")

    @pytest.fixture
    def published(self, seed_article) -> Comment:
        return CommentFactory(
            article=seed_article,
            author_name="Maya Okafor",
            author_url="https://maya.example.net/",
            body="Magnesium helped me sleep.",
        )

    def rewrite(self, editor: Client, comment: Comment, **changes):
        url = reverse("admin:comments_comment_change", args=[comment.pk])
        data = {
            "status": comment.status,  # Only a moderator's form has it.
            "body": comment.body,
            "author_name": comment.author_name,
            "author_url": comment.author_url,
            **changes,
        }
        return editor.post(url, data, follow=True)

    @pytest.mark.parametrize(
        "changes",
        [
            {"body": "Buy cheap pills at https://spam.example/"},
            {"author_name": "The Blog's Author"},
            {"author_url": "https://spam.example/"},
        ],
    )
    def test_a_rewrite_never_reaches_readers_unapproved(
        self,
        editor,
        published,
        seed_article,
        changes,
        mailoutbox,
        moderator,
        django_capture_on_commit_callbacks,
    ):
        """The comment leaves the page for the queue, with what it said before kept."""
        with django_capture_on_commit_callbacks(execute=True):
            response = self.rewrite(editor, published, **changes)
        assert response.status_code == 200
        said = [str(message) for message in response.context["messages"]]
        assert any("back in the queue" in message for message in said), said
        published.refresh_from_db()
        assert published.status == Comment.Status.PENDING
        assert "Edited by staff" in published.held_reason
        [revision] = published.revisions.all()
        assert revision.get_change_display() == "Edited by staff who may not moderate"
        assert (revision.body, revision.author_name, revision.author_url, revision.status) == (
            "Magnesium helped me sleep.",
            "Maya Okafor",
            "https://maya.example.net/",
            Comment.Status.APPROVED,
        )
        page = Client().get(seed_article.get_absolute_url()).content.decode()
        for value in changes.values():
            assert value not in page
        # The moderators hear of it, as of any comment back in their queue.
        assert [m.to for m in mailoutbox] == [[moderator.email]]

    def test_a_moderator_sees_what_it_said_before_and_approves_it_again(
        self, editor, published, moderator_client
    ):
        self.rewrite(editor, published, body="Magnesium and stretching helped me sleep.")
        page = moderator_client.get(reverse("admin:comments_comment_change", args=[published.pk]))
        history = BeautifulSoup(page.content, "html.parser").select_one(".desk-revisions")
        text = history.get_text(" ", strip=True)
        assert "Edited by staff who may not moderate" in text and "when it was approved" in text
        assert "Magnesium helped me sleep." in text and "Maya Okafor" in text
        approve(moderator_client, published)
        published.refresh_from_db()
        assert published.is_approved()

    def test_a_held_comment_stays_held_with_its_revision(self, editor, held):
        """Fixing a typo before moderation: still held, and the moderator sees the original."""
        original = held.body
        self.rewrite(editor, held, body="A fixed typo.")
        held.refresh_from_db()
        assert (held.status, held.body) == (Comment.Status.PENDING, "A fixed typo.")
        assert [r.body for r in held.revisions.all()] == [original]

    def test_moderators_edit_in_place(self, moderator_client, published):
        """can_moderate: an edit is a moderator's decision, and stays published."""
        self.rewrite(moderator_client, published, body="Magnesium helped me sleep well.")
        published.refresh_from_db()
        assert published.is_approved() and published.body == "Magnesium helped me sleep well."
        assert not published.revisions.exists()

    def test_the_name_kept_in_a_revision_is_exported_and_erased(self, editor, published):
        """What an edit replaced is the commenter's data: in their export, gone with their name."""
        self.rewrite(editor, published, author_name="Someone Else")
        [exported] = export_commenter(published.author_email)["comments"]
        [change] = exported["changes"]
        assert (change["name_before"], change["website_before"]) == (
            "Maya Okafor",
            "https://maya.example.net/",
        )
        erase_commenter(published.author_email, keep_text=True, by=UserFactory(is_staff=True))
        [revision] = published.revisions.all()
        assert (revision.author_name, revision.author_url) == (ANONYMOUS, "")
        assert revision.body == "Magnesium helped me sleep."
