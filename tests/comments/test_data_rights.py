"""A commenter's data, found by email: exported as JSON and erased, by command or admin action."""

import io
import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from comments.models import Comment, Mailbox
from comments.privacy.rights import ANONYMOUS, ERASED_TEXT, NO_DATA
from tests.comments.conftest import confirmed_mailbox
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

EMAIL = "Maya.Okafor@Example.net"
# Every status: the queue's default filter (pending) would leave approved comments out.
CHANGELIST = reverse("admin:comments_comment_changelist") + "?status=all"


@pytest.fixture
def maya(seed_article):
    """Maya's comment, a reply to it by someone else, Maya's held reply, and a bystander."""
    first = CommentFactory(
        article=seed_article,
        author_name="Maya Okafor",
        author_email=EMAIL,
        author_url="https://maya.example/",
        body="Magnesium helped me.",
        ip_address="203.0.113.7",
        user_agent="Firefox/140",
        trust_key="f" * 64,
    )
    reply = CommentFactory(
        article=seed_article, parent=first, author_name="Sam", author_email="sam@example.org"
    )
    own_reply = CommentFactory(
        article=seed_article,
        parent=reply,
        author_name="Maya",
        author_email=EMAIL.lower(),
        body="Thanks, Sam.",
        status=Comment.Status.PENDING,
        notify_on_approval=True,
        ip_address="2001:db8::1",
        user_agent="Firefox/140",
    )
    return {"first": first, "reply": reply, "own_reply": own_reply}


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_export_command_prints_every_stored_field_of_every_comment(maya):
    """All of Maya's comments, whatever the case of her address, and nobody else's."""
    out, _ = run("export_commenter", " maya.okafor@example.NET")
    data = json.loads(out)
    assert [c["id"] for c in data["comments"]] == [maya["first"].pk, maya["own_reply"].pk]
    first = data["comments"][0]
    assert first == {
        "id": maya["first"].pk,
        "article": maya["first"].article.title,
        "url": f"http://127.0.0.1:8000{maya['first'].get_absolute_url()}",
        "in_reply_to": None,
        "name": "Maya Okafor",
        "email": EMAIL,
        "website": "https://maya.example/",
        "comment": "Magnesium helped me.",
        "status": "Approved",
        "posted_at": maya["first"].created_at.isoformat(),
        "ip_address": "203.0.113.7",
        "user_agent": "Firefox/140",
        "held_because": "",
        "email_me_on_approval": False,
        "spam_score": None,
        "spam_clues": [],
    }
    assert data["comments"][1]["in_reply_to"] == maya["reply"].pk
    assert data["comments"][1]["email_me_on_approval"] is True
    assert "sam@example.org" not in out


def test_export_of_unknown_address_says_no_data_is_held(maya):
    """No comments: a sentence, and no JSON, no error."""
    out, err = run("export_commenter", "nobody@example.com")
    assert out == ""
    assert err.strip() == NO_DATA


def test_erase_command_anonymises_and_keeps_the_thread(client, maya, staff_user):
    """Name, email, website, IP and user agent go; the text stays; replies keep their place."""
    out, _ = run("erase_commenter", EMAIL, "--text", "keep", "--by", staff_user.username)
    assert out.strip() == "Erased the personal data of 2 comments."

    first = Comment.objects.get(pk=maya["first"].pk)
    assert (first.author_name, first.author_email, first.author_email_hash) == (ANONYMOUS, "", "")
    assert (first.author_url, first.ip_address, first.user_agent) == ("", None, "")
    assert (first.trust_key, first.notify_on_approval) == ("", False)
    assert first.body == "Magnesium helped me."
    assert Comment.objects.get(pk=maya["reply"].pk).parent == first
    assert Comment.objects.get(pk=maya["own_reply"].pk).parent_id == maya["reply"].pk
    assert not Comment.objects.by_email(EMAIL).exists()
    assert Comment.objects.get(pk=maya["reply"].pk).author_email == "sam@example.org"

    page = client.get(first.article.get_absolute_url()).content.decode()
    assert "Maya Okafor" not in page and "maya.example" not in page
    assert "Magnesium helped me." in page and "Sam" in page

    history = LogEntry.objects.filter(object_id__in=[str(maya["first"].pk)], action_flag=CHANGE)
    assert history.get().user == staff_user
    assert "text kept" in history.get().change_message
    assert run("export_commenter", EMAIL)[1].strip() == NO_DATA


def test_erase_leaves_no_held_reason_behind(maya, staff_user):
    """The reason a comment was held says which of the commenter's fields met a rule: it goes."""
    Comment.objects.update(held_reason="Its email contains a moderated word.")
    run("erase_commenter", EMAIL, "--text", "keep", "--by", staff_user.username)
    maya["first"].refresh_from_db()
    maya["reply"].refresh_from_db()
    assert maya["first"].held_reason == ""
    assert maya["reply"].held_reason == "Its email contains a moderated word."  # Sam's, kept.


def test_erase_removes_the_name_from_earlier_admin_history(maya, staff_user):
    """History written before the erase (here, an approval) stops naming the commenter."""
    LogEntry.objects.log_actions(staff_user.pk, [maya["own_reply"]], CHANGE, "Approved.")
    assert LogEntry.objects.filter(object_repr__contains="Maya").exists()
    run("erase_commenter", EMAIL, "--text", "keep", "--by", staff_user.username)
    assert not LogEntry.objects.filter(object_repr__contains="Maya").exists()
    assert LogEntry.objects.filter(change_message="Approved.").exists()


def test_erase_command_can_erase_the_text_too(maya, staff_user):
    """With --text erase the words are replaced by a note; the comment stays in the thread."""
    run("erase_commenter", EMAIL, "--text", "erase", "--by", staff_user.username)
    bodies = set(Comment.objects.filter(author_name=ANONYMOUS).values_list("body", flat=True))
    assert bodies == {ERASED_TEXT}
    assert Comment.objects.count() == 3
    messages = LogEntry.objects.values_list("change_message", flat=True)
    assert all("text erased too" in message for message in messages)


def test_erase_of_unknown_address_changes_nothing(maya, staff_user):
    """No comments: the no-data sentence, no history written."""
    args = ["--text", "keep", "--by", staff_user.username]
    out, _ = run("erase_commenter", "nobody@example.com", *args)
    assert out.strip() == NO_DATA
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("by", ["nobody", "reader"])
def test_erase_command_needs_a_staff_member(maya, by):
    """The history names who erased: that must be a staff account."""
    UserFactory(username="reader")
    with pytest.raises(CommandError, match="--by must name a staff account"):
        run("erase_commenter", EMAIL, "--text", "keep", "--by", by)
    assert Comment.objects.by_email(EMAIL).count() == 2


def test_erase_command_makes_staff_choose_about_the_text(maya, staff_user):
    """Leaving out --text is refused: the choice is never made by default."""
    with pytest.raises(CommandError, match="--text"):
        run("erase_commenter", EMAIL, "--by", staff_user.username)


def test_admin_export_action_downloads_all_of_the_commenters_data(superuser_client, maya):
    """Selecting one of Maya's comments exports all of hers, as a JSON attachment."""
    response = superuser_client.post(
        CHANGELIST, {"action": "export_commenters", "_selected_action": [maya["first"].pk]}
    )
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="commenter-data-')
    assert "no-store" in response["Cache-Control"]
    [export] = json.loads(response.content)
    assert export["email"] == EMAIL.lower()
    assert len(export["comments"]) == 2


def test_admin_erase_actions_record_history(superuser_client, superuser, maya):
    """Each erase action anonymises all of the commenter's comments and says so in history."""
    response = superuser_client.post(
        CHANGELIST,
        {"action": "erase_commenters_and_text", "_selected_action": [maya["own_reply"].pk]},
        follow=True,
    )
    assert "Erased the personal data of 1 commenter (2 comments)." in response.content.decode()
    assert Comment.objects.filter(body=ERASED_TEXT).count() == 2

    history = superuser_client.get(
        reverse("admin:comments_comment_history", args=[maya["first"].pk])
    ).content.decode()
    assert "Erased the commenter&#x27;s personal data at their request" in history
    assert superuser.username in history


def test_admin_erase_keeping_text_and_then_nothing_left(superuser_client, maya):
    """Erasing keeps the text when asked; a second erase or export finds no data held."""
    selected = {"_selected_action": [maya["first"].pk, maya["reply"].pk]}
    response = superuser_client.post(
        CHANGELIST, {"action": "erase_commenters_keep_text", **selected}, follow=True
    )
    assert "Erased the personal data of 2 commenters (3 comments)." in response.content.decode()
    assert Comment.objects.get(pk=maya["first"].pk).body == "Magnesium helped me."

    for action in ("erase_commenters_keep_text", "export_commenters"):
        again = superuser_client.post(CHANGELIST, {"action": action, **selected}, follow=True)
        assert NO_DATA in again.content.decode()


def test_data_rights_actions_are_for_moderators(client, maya):
    """Staff who may view and edit comments, but not moderate, get neither export nor erase."""
    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_comment", "change_comment"])
    )
    client.force_login(editor)
    soup = BeautifulSoup(client.get(CHANGELIST).content, "html.parser")
    actions = {option["value"] for option in soup.select("select[name=action] option")}
    assert not actions & {
        "export_commenters",
        "erase_commenters_keep_text",
        "erase_commenters_and_text",
    }
    response = client.post(
        CHANGELIST, {"action": "erase_commenters_and_text", "_selected_action": [maya["first"].pk]}
    )
    assert response.status_code in {200, 302}
    assert Comment.objects.by_email(EMAIL).count() == 2


SPELLINGS = [
    '"flood-a"@example.org',
    "flood-a+blog@example.org",
    "FLOOD-A@EXAMPLE.ORG",
    "flood-a@example.org.",
    " flood-a@example.org ",
]


@pytest.mark.parametrize("asked_with", ["flood-a@example.org", *SPELLINGS])
def test_export_and_erase_find_every_spelling_of_one_address(seed_article, staff_user, asked_with):
    """Quoted, tagged, upper-case or dotted: one mailbox, so one export and one erasure."""
    for spelling in SPELLINGS:
        CommentFactory(article=seed_article, author_email=spelling, body=f"By {spelling!r}.")
    other = CommentFactory(article=seed_article, author_email="flood-b@example.org")
    out, _ = run("export_commenter", asked_with)
    assert len(json.loads(out)["comments"]) == len(SPELLINGS)
    run("erase_commenter", asked_with, "--text", "keep", "--by", staff_user.username)
    names = dict(Comment.objects.values_list("pk", "author_name"))
    assert names.pop(other.pk) == other.author_name
    assert set(names.values()) == {ANONYMOUS}


@pytest.mark.parametrize(
    ("stored", "asked_with"),
    [
        ("ana@exämple.org", "ana@xn--exmple-cua.org"),
        ("ana@XN--EXMPLE-CUA.ORG", "Ana@Exämple.ORG"),
    ],
)
def test_international_domains_are_one_domain_in_either_spelling(seed_article, stored, asked_with):
    """A domain typed in Unicode and its punycode are the same domain."""
    CommentFactory(article=seed_article, author_email=stored)
    out, _ = run("export_commenter", asked_with)
    assert len(json.loads(out)["comments"]) == 1


def test_erasing_an_address_with_wishes_but_no_comments_says_what_it_did(staff_user):
    """An address that only asked for email: its consent goes, and the command says so."""
    confirmed_mailbox("quiet.reader@example.org")
    out, _ = run("erase_commenter", "Quiet.Reader@example.org", "--text", "keep", "--by",
                 staff_user.username)  # fmt: skip
    assert out.strip() == "Forgot the address's email wishes and consent."
    assert not Mailbox.objects.exists()
    again, _ = run("erase_commenter", "quiet.reader@example.org", "--text", "keep", "--by",
                   staff_user.username)  # fmt: skip
    assert again.strip() == NO_DATA
