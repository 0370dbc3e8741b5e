"""
The author's few minutes to take it back: edit or withdraw their own comment,
from the browser that posted it and no other.
"""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.signing import get_cookie_signer
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blog.models import Article
from comments import trust
from comments.models import Comment, CommentRevision, ModerationSettings
from comments.posting.editing import beside
from comments.privacy.rights import erase_commenter, export_commenter
from comments.section.ownership import ANSWERED, GONE, MAX_EDITS
from tests.blog.test_shared_pages import SHARED
from tests.conftest import SAME_ORIGIN, post_as, reader, sql_shapes
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_comment_changelist")
PRIVATE = "private, no-store"


def post(client, article, body: str = "My first thoughts.", **extra) -> Comment:
    """Post a comment from this browser; return it as stored."""
    data = {"author_name": "Maya", "author_email": "maya@example.net", "body": body, **extra}
    response = post_as(client, article, data)
    assert response.status_code == 302, response.content
    return Comment.objects.get(body=body)


def publish_at_once(hold_all: bool = False) -> None:
    ModerationSettings.objects.update_or_create(pk=1, defaults={"hold_all": hold_all})


def edit_url(comment: Comment) -> str:
    return reverse("comments:edit", args=[comment.pk])


def withdraw_url(comment: Comment) -> str:
    return reverse("comments:withdraw", args=[comment.pk])


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def csrf_of(response) -> str:
    return soup(response).select_one("input[name=csrfmiddlewaretoken]")["value"]


def save_edit(client, comment: Comment, body: str):
    """Open the edit page, then send the form with the new text, as a browser does."""
    page = client.get(edit_url(comment))
    assert page.status_code == 200, page.content
    return client.post(edit_url(comment), {"body": body, "csrfmiddlewaretoken": csrf_of(page)})


def backdate(comment: Comment, minutes: int) -> None:
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )
    comment.refresh_from_db()


def edit_link(client, comment: Comment):
    page = client.get(comment.article.get_absolute_url())
    return soup(page).select_one(f"#comment-{comment.pk} .comment-edit-link")


# Reaching the form -----------------------------------------------------------


def test_the_author_finds_an_edit_link_on_their_held_comment(client, seed_article):
    """On the page their pending cookie makes theirs, with the time it is open until."""
    comment = post(client, seed_article)
    link = edit_link(client, comment)
    assert link["href"] == edit_url(comment)
    until = soup(client.get(seed_article.get_absolute_url())).select_one(
        f"#comment-{comment.pk} .comment-edit-until time"
    )
    assert until.get_text() == timezone.localtime(comment.editable_until()).strftime("%H:%M UTC")
    assert edit_link(reader(), comment) is None


def test_the_edit_deadline_says_how_many_minutes_are_left(client, seed_article, settings):
    """Beside the edit link: "for 10 more minutes, until 14:32 UTC", counting down."""
    settings.COMMENTS_EDIT_MINUTES = 10
    comment = post(client, seed_article)
    note = soup(client.get(seed_article.get_absolute_url())).select_one(
        f"#comment-{comment.pk} .comment-edit-until"
    )
    until = timezone.localtime(comment.editable_until()).strftime("%H:%M UTC")
    assert note.get_text() == f"for 10 more minutes, until {until}"
    Comment.objects.filter(pk=comment.pk).update(
        created_at=comment.created_at - timedelta(minutes=9, seconds=30)
    )
    note = soup(client.get(seed_article.get_absolute_url())).select_one(
        f"#comment-{comment.pk} .comment-edit-until"
    )
    assert note.get_text().startswith("for 1 more minute, until ")


def test_a_comment_published_at_once_stays_editable_from_its_authors_private_page(
    client, seed_article
):
    """
    Published at once, its author keeps a page of their own (and the link) for the
    window only; then they are back on the page every reader shares.
    """
    publish_at_once()
    comment = post(client, seed_article)
    assert comment.is_approved()
    page = client.get(seed_article.get_absolute_url())
    assert page["Cache-Control"] == PRIVATE
    assert soup(page).select_one(f"#comment-{comment.pk} .comment-edit-link")
    assert "comments_pending" not in page.cookies  # kept as it is, not dropped

    backdate(comment, 11)
    settled = client.get(seed_article.get_absolute_url())
    assert settled.cookies["comments_pending"].value == ""  # Deleted.
    assert not soup(settled).select(".comment-edit-link")
    assert client.get(seed_article.get_absolute_url())["Cache-Control"] == SHARED


def test_the_edit_page_is_private_and_carries_a_csrf_token(client, seed_article):
    """The author's own page: never stored by a cache, protected by Django's CSRF token."""
    comment = post(client, seed_article)
    page = client.get(edit_url(comment))
    assert page["Cache-Control"] == PRIVATE
    form = soup(page).select_one("form#editform")
    assert form["method"] == "post" and form["action"] == edit_url(comment)
    assert form.select_one("textarea[name=body]").get_text().strip() == comment.body
    assert csrf_of(page)
    assert soup(page).select_one(f"form[action='{withdraw_url(comment)}'] button")


# Editing -----------------------------------------------------------------------


def test_the_author_edits_a_held_comment_which_stays_held(client, seed_article):
    """The new text is kept, the old one kept for staff; the author is led back to it."""
    comment = post(client, seed_article, "Calf stretchs help.")
    response = save_edit(client, comment, "Calf stretches help.")
    assert response.status_code == 302
    assert response["Location"] == f"{seed_article.get_absolute_url()}#comment-{comment.pk}"
    comment.refresh_from_db()
    assert comment.body == "Calf stretches help." and comment.status == Comment.Status.PENDING
    # The edit's reason beside the original one, not instead of it (issue 22, point 6).
    assert comment.held_reason == "Every new comment is held for moderation. Edited by its author."
    [revision] = comment.revisions.all()
    assert revision.body == "Calf stretchs help." and revision.status == Comment.Status.PENDING
    assert revision.change == CommentRevision.Change.EDITED
    own = client.get(response["Location"]).content.decode()
    assert "Calf stretches help." in own and "Calf stretchs help." not in own


def test_editing_a_published_comment_returns_it_to_the_queue(client, seed_article):
    """It leaves the public page until a moderator approves the new text."""
    publish_at_once()
    comment = post(client, seed_article, "Published words.")
    public = reader().get(seed_article.get_absolute_url())
    assert "Published words." in public.content.decode()

    save_edit(client, comment, "Changed words.")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert comment.held_reason == "Edited by its author after it was published."
    again = reader().get(seed_article.get_absolute_url(), headers={"If-None-Match": public["ETag"]})
    assert again.status_code == 200
    assert "words." not in again.content.decode()
    # Its author still sees it, waiting.
    own = client.get(seed_article.get_absolute_url()).content.decode()
    assert "Changed words." in own and "awaiting moderation" in own


def test_moderators_hear_of_a_published_comment_edited_back_into_the_queue(
    client, seed_article, moderator, django_capture_on_commit_callbacks
):
    """The new text waits for them as a held comment does, and they are told the same way."""
    publish_at_once()
    comment = post(client, seed_article, "Published words.")
    with django_capture_on_commit_callbacks(execute=True):
        save_edit(client, comment, "Changed words.")
    [message] = mail.outbox
    assert message.to == [moderator.email]
    assert "Changed words." in message.body
    assert "Edited by its author after it was published." in message.body


def test_an_edit_meets_the_rules_a_new_comment_does(client, seed_article):
    """Links past the limit hold it with that reason; a blocked word sends it to spam."""
    publish_at_once()
    comment = post(client, seed_article, "Plain words.")
    save_edit(client, comment, "See https://a.example/ and https://b.example/")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert comment.held_reason == (
        "Edited by its author after it was published. "
        "It contains 2 links; comments with 2 or more are held."
    )
    ModerationSettings.objects.filter(pk=1).update(block_words="casino")
    save_edit(client, comment, "Try the casino.")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM
    assert comment.held_reason == (
        "Edited by its author after it was published. "
        "It contains 2 links; comments with 2 or more are held. "
        "Edited by its author. Its text contains a blocked word."
    )


def test_a_long_original_reason_is_shortened_never_the_edits():
    """The field holds 200 characters: the original gives way, marked with an ellipsis."""
    combined = beside("x" * 190, ["Edited by its author.", "Its text contains a blocked word."])
    assert len(combined) == 200
    assert combined.endswith("… Edited by its author. Its text contains a blocked word.")
    assert beside("Held.", ["Held."]) == "Held."


def test_spam_stays_spam_whatever_the_edit_and_looks_held_to_its_sender(client, seed_article):
    """A comment the rules caught cannot edit its way into the queue, nor tell it was caught."""
    comment = post(client, seed_article, "Buy now.")
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.SPAM)
    response = save_edit(client, comment, "A perfectly ordinary comment.")
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM
    own = client.get(seed_article.get_absolute_url()).content.decode()
    assert "A perfectly ordinary comment." in own and "awaiting moderation" in own


def test_the_same_text_sent_again_changes_nothing(client, seed_article):
    """Saving without a change leaves a published comment published, with no history."""
    publish_at_once()
    comment = post(client, seed_article, "Unchanged.")
    assert save_edit(client, comment, "Unchanged.").status_code == 302
    comment.refresh_from_db()
    assert comment.is_approved() and not comment.revisions.exists()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("   ", "Please write your comment."),
        ("x" * 5001, "Please shorten your comment to 5000 characters (it has 5001)."),
    ],
)
def test_an_edit_with_errors_says_so_beside_the_field_and_keeps_the_text(
    client, seed_article, body, error
):
    """Empty or too long: 400, the message next to the field, the text as typed."""
    comment = post(client, seed_article, "Original.")
    response = save_edit(client, comment, body)
    assert response.status_code == 400
    page = soup(response)
    assert error in page.select_one("#editform").get_text()
    assert page.select_one("textarea[name=body]").get_text().strip() == body.strip()
    comment.refresh_from_db()
    assert comment.body == "Original."


def test_edits_are_limited_in_number(client, seed_article):
    """Past MAX_EDITS the form refuses, saying why, and gives the text back."""
    comment = post(client, seed_article, "Version 0.")
    token = csrf_of(client.get(edit_url(comment)))
    for number in range(1, MAX_EDITS + 1):
        assert save_edit(client, comment, f"Version {number}.").status_code == 302
    page = client.get(edit_url(comment))
    assert page.status_code == 403
    assert f"already been changed {MAX_EDITS} times" in page.content.decode()
    response = client.post(edit_url(comment), {"body": "One more.", "csrfmiddlewaretoken": token})
    assert response.status_code == 403
    assert soup(response).select_one("textarea#typed-comment").get_text().strip() == "One more."
    comment.refresh_from_db()
    assert comment.body == f"Version {MAX_EDITS}." and comment.revisions.count() == MAX_EDITS


# Withdrawing ----------------------------------------------------------------------


@pytest.mark.parametrize("hold_all", [True, False])
def test_the_author_withdraws_their_comment(client, seed_article, hold_all):
    """Held or published, it leaves the page at once; staff keep what it said."""
    publish_at_once(hold_all)
    comment = post(client, seed_article, "Second thoughts.")
    status_before = comment.status
    page = client.get(edit_url(comment))
    response = client.post(withdraw_url(comment), {"csrfmiddlewaretoken": csrf_of(page)})
    assert response.status_code == 200
    assert "Your comment is withdrawn" in response.content.decode()
    assert response.cookies["comments_pending"].value == ""  # Nothing of theirs waits.
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED
    assert comment.held_reason == "Withdrawn by its author."
    [revision] = comment.revisions.all()
    assert revision.change == CommentRevision.Change.WITHDRAWN
    assert revision.status == status_before
    for browser in (client, reader()):
        assert "Second thoughts." not in browser.get(seed_article.get_absolute_url()).text
    again = client.post(withdraw_url(comment), {"csrfmiddlewaretoken": csrf_of(page)})
    assert again.status_code == 410 and GONE in again.content.decode()
    assert client.get(edit_url(comment)).status_code == 410


def test_withdrawing_is_only_by_post(client, seed_article):
    """Opening the address (a mail scanner, a prefetch) withdraws nothing."""
    comment = post(client, seed_article)
    assert client.get(withdraw_url(comment)).status_code == 405
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


# Refusals ---------------------------------------------------------------------------


def test_another_browser_can_neither_read_nor_change_the_comment(client, seed_article):
    """Even typing the same name and email: a 404, the comment untouched, the text given back."""
    comment = post(client, seed_article, "Held and private.")
    other = reader()
    post(other, seed_article, "The other's own.")  # A commenter too, with a token of its own.
    page = other.get(edit_url(comment))
    assert page.status_code == 404
    assert "Held and private." not in page.content.decode()

    other_page = other.get(edit_url(Comment.objects.get(body="The other's own.")))
    token = csrf_of(other_page)
    typed = "Vandalised by someone else."
    response = other.post(edit_url(comment), {"body": typed, "csrfmiddlewaretoken": token})
    assert response.status_code == 404
    assert soup(response).select_one("textarea#typed-comment").get_text().strip() == typed
    assert "Held and private." not in response.content.decode()
    assert other.post(withdraw_url(comment), {"csrfmiddlewaretoken": token}).status_code == 404
    comment.refresh_from_db()
    assert comment.body == "Held and private." and comment.status == Comment.Status.PENDING
    assert not comment.revisions.exists()


def test_a_forged_or_stolen_pending_cookie_is_not_enough(client, seed_article):
    """The pending cookie only shows; changing needs the posting browser's signed token."""
    comment = post(client, seed_article, "Mine alone.")
    thief = reader()
    thief.cookies["comments_pending"] = client.cookies["comments_pending"].value
    thief.cookies[trust.COOKIE_NAME] = "forged-token-" + "x" * 30
    assert thief.get(edit_url(comment)).status_code == 404
    assert edit_link(thief, comment) is None
    # A token signed for another salt, or unsigned, is no token either.
    unsigned = get_cookie_signer(salt="another").sign("y" * trust.TOKEN_LENGTH)
    thief.cookies[trust.COOKIE_NAME] = unsigned
    assert thief.get(edit_url(comment)).status_code == 404


def test_after_the_window_the_edit_is_refused_and_the_text_given_back(client, seed_article):
    """A form left open past the window: a sentence saying so, and what was typed."""
    comment = post(client, seed_article, "Old text.")
    page = client.get(edit_url(comment))
    backdate(comment, 11)
    typed = "New text written too late."
    response = client.post(edit_url(comment), {"body": typed, "csrfmiddlewaretoken": csrf_of(page)})
    assert response.status_code == 403
    text = soup(response).get_text(" ", strip=True)
    assert "in the 10 minutes after it is posted, and that time is over for this one" in text
    assert soup(response).select_one("textarea#typed-comment").get_text().strip() == typed
    comment.refresh_from_db()
    assert comment.body == "Old text."
    assert edit_link(client, comment) is None


def test_the_window_is_a_setting_and_zero_turns_editing_off(client, seed_article, settings):
    """DJANGO_COMMENTS_EDIT_MINUTES: 30 keeps it open longer; 0 offers no editing at all."""
    settings.COMMENTS_EDIT_MINUTES = 30
    comment = post(client, seed_article)
    backdate(comment, 20)
    assert client.get(edit_url(comment)).status_code == 200
    settings.COMMENTS_EDIT_MINUTES = 0
    assert edit_link(client, comment) is None
    response = client.get(edit_url(comment))
    assert response.status_code == 403
    assert "Comments cannot be changed once they are posted" in response.content.decode()


def test_a_published_reply_ends_the_window(client, seed_article):
    """Its words answer the text as it was: 409, and the link goes."""
    publish_at_once()
    comment = post(client, seed_article, "Worth answering.")
    CommentFactory(article=seed_article, parent=comment, body="An answer.")
    response = client.get(edit_url(comment))
    assert response.status_code == 409
    assert ANSWERED in response.content.decode()
    assert edit_link(client, comment) is None


def test_comments_from_no_browser_cannot_be_edited(client, seed_article):
    """A site reply, an imported or an erased commenter's comment: nobody's to edit."""
    comment = CommentFactory(article=seed_article, trust_key="", status="pending")
    assert client.get(edit_url(comment)).status_code == 404


@pytest.mark.parametrize("value", ["abc", "0", "²", "9" * 30, "-1"])
def test_an_edit_address_that_names_no_comment_is_a_404(client, value):
    """Whatever is typed where the id goes: 404, never a 500."""
    assert client.get(f"/comments/{value}/edit/").status_code == 404
    assert client.post(f"/comments/{value}/withdraw/").status_code == 404


def test_a_cross_site_post_is_refused_by_the_csrf_check(seed_article):
    """Another site cannot make the author's browser edit or withdraw: no token, no change."""
    browser = Client(enforce_csrf_checks=True, headers=SAME_ORIGIN)
    comment = post(browser, seed_article, "Guarded.")
    browser.get(edit_url(comment))  # The browser holds a CSRF cookie now.
    for url, data in [(edit_url(comment), {"body": "Forged."}), (withdraw_url(comment), {})]:
        response = browser.post(url, data, headers={"Sec-Fetch-Site": "cross-site"})
        assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Guarded." and comment.status == Comment.Status.PENDING


# Staff ------------------------------------------------------------------------------


def test_staff_see_what_the_comment_said_before_each_change(client, seed_article, moderator_client):
    """The comment's page lists each edit with its time, its status then, and the old text."""
    publish_at_once()
    comment = post(client, seed_article, "First version.")
    save_edit(client, comment, "Second version.")
    page = moderator_client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
    history = soup(page).select_one(".desk-revisions")
    text = history.get_text(" ", strip=True)
    assert "Edited by its author" in text and "when it was approved" in text
    assert "First version." in text
    queue = soup(moderator_client.get(CHANGELIST)).select_one(f"#desk-comment-{comment.pk}")
    assert "Edited by its author 1 time" in queue.get_text(" ", strip=True)
    assert "Why held: Edited by its author after it was published." in queue.get_text(
        " ", strip=True
    )


def test_the_admin_index_says_a_held_comment_was_edited(client, seed_article, moderator_client):
    """The index's newest held comments carry the queue's note of the author's edits."""
    comment = post(client, seed_article, "First version.")
    save_edit(client, comment, "Second version.")
    index = soup(moderator_client.get(reverse("admin:index")))
    card = index.select_one(f".desk-newest #desk-comment-{comment.pk}")
    assert "Second version." in card.get_text(" ", strip=True)
    assert "Edited by its author 1 time" in card.get_text(" ", strip=True)


def test_a_comment_never_edited_says_so_to_staff(seed_article, moderator_client):
    comment = CommentFactory(article=seed_article)
    page = moderator_client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
    assert "None: the text is as its author posted it." in page.content.decode()


def queue_button(moderator_client, comment: Comment, label: str) -> tuple[str, dict]:
    """The URL and data a queue button posts, as the moderator's page shows them now."""
    page = soup(moderator_client.get(CHANGELIST))
    token = page.select_one("form#desk-decide input[name=csrfmiddlewaretoken]")["value"]
    for button in page.select(f"#desk-comment-{comment.pk} button[form=desk-decide]"):
        if button.find(string=True, recursive=False).strip() == label:
            return button["formaction"], {"seen": button["value"], "csrfmiddlewaretoken": token}
    raise AssertionError(label)


def test_a_decision_on_a_text_the_moderator_did_not_see_is_refused(
    client, seed_article, moderator_client
):
    """
    Bait and switch: the moderator's page shows a harmless text, the author edits it
    to spam, the moderator clicks Approve. Nothing is published; they are told why.
    """
    comment = post(client, seed_article, "Harmless.")
    url, data = queue_button(moderator_client, comment, "Approve")
    save_edit(client, comment, "Buy pills at https://spam.example/")
    response = moderator_client.post(url, data, headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert "changed after your page was loaded" in response.json()["messages"][0]
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    # Read again, the new text can be decided on.
    url, data = queue_button(moderator_client, comment, "Spam")
    assert moderator_client.post(url, data).status_code == 303
    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM


def test_a_bulk_approval_skips_comments_edited_since_the_page_loaded(
    client, seed_article, moderator_client
):
    """Ticked with others: the others are approved, the edited one left, and the moderator told."""
    edited = post(client, seed_article, "Harmless.")
    other = CommentFactory(article=seed_article, status="pending", body="Also fine.")
    page = soup(moderator_client.get(CHANGELIST))
    form = page.select_one("form#changelist-form")
    data = {field["name"]: field.get("value", "") for field in form.select("input[type=hidden]")}
    save_edit(client, edited, "Switched to spam https://spam.example/")
    data |= {"action": "approve", "index": "0", "_selected_action": [edited.pk, other.pk]}
    response = moderator_client.post(CHANGELIST, data, follow=True)
    messages = [str(message) for message in response.context["messages"]]
    # Said once, as an edit: not also as a status another moderator changed.
    assert messages == [
        "The text of 1 selected comment was changed after the page was loaded (by its author, "
        "or another moderator); it was left as it is. Read it again, then decide.",
        "1 comment approved.",
    ]
    edited.refresh_from_db(), other.refresh_from_db()
    assert edited.status == Comment.Status.PENDING and other.is_approved()


def test_approve_and_reply_refuses_a_text_changed_since(client, seed_article, moderator_client):
    """Replying approves the comment: not a text the moderator did not read."""
    comment = post(client, seed_article, "Harmless.")
    page = soup(moderator_client.get(CHANGELIST))
    form = page.select_one(f"form#desk-reply-{comment.pk}")
    data = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
    save_edit(client, comment, "Switched.")
    response = moderator_client.post(form["action"], {**data, "body": "Thanks!"})
    assert response.status_code == 409
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert not Comment.objects.filter(by_site=True).exists()


def test_a_click_and_a_reply_on_one_stale_page_are_refused_alike(
    client, seed_article, moderator_client
):
    """
    Edited by its author, then moved by another moderator: a click and a reply from the
    page that showed the first text are refused by the same rule, for the edit.
    """
    comment = post(client, seed_article, "Harmless.")
    url, click = queue_button(moderator_client, comment, "Approve")
    form = soup(moderator_client.get(CHANGELIST)).select_one(f"form#desk-reply-{comment.pk}")
    reply = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
    save_edit(client, comment, "Switched.")
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.SPAM)
    answers = [
        moderator_client.post(url, click, headers={"Accept": "application/json"}),
        moderator_client.post(
            form["action"], {**reply, "body": "Thanks!"}, headers={"Accept": "application/json"}
        ),
    ]
    assert [answer.status_code for answer in answers] == [409, 409]
    for answer in answers:
        [sentence] = answer.json()["messages"]
        assert "text of this comment was changed after your page was loaded" in sentence
    assert not Comment.objects.filter(by_site=True).exists()


# Data rights ------------------------------------------------------------------------


def test_the_texts_an_author_replaced_are_exported_and_erased_with_theirs(client, seed_article):
    """A commenter's export holds each earlier text; erasing their texts erases those too."""
    comment = post(client, seed_article, "What I first wrote.")
    save_edit(client, comment, "What I wrote instead.")
    [exported] = export_commenter("maya@example.net")["comments"]
    assert exported["comment"] == "What I wrote instead."
    assert [(c["change"], c["text_before"]) for c in exported["changes"]] == [
        ("Edited by its author", "What I first wrote.")
    ]
    other = reader()
    kept = post(other, seed_article, "Sam's first.", author_email="sam@example.org")
    save_edit(other, kept, "Sam's second.")

    staff = UserFactory(is_staff=True)
    erase_commenter("maya@example.net", keep_text=False, by=staff)
    assert not comment.revisions.exists()
    erase_commenter("sam@example.org", keep_text=True, by=staff)
    assert kept.revisions.get().body == "Sam's first."


# Attacked: the edit and withdraw addresses tell nothing to another browser --------------


def answer_of(browser: Client, method: str, url: str, data=None) -> tuple:
    """Everything a browser can observe of an answer: status, headers, cookies, body, queries."""
    with CaptureQueriesContext(connection) as queries:
        response = getattr(browser, method)(url, data or {})
    headers = {name: value for name, value in response.headers.items() if name != "Date"}
    return (
        response.status_code,
        headers,
        sorted((name, morsel.value) for name, morsel in response.cookies.items()),
        response.content,
        sql_shapes(queries.captured_queries),
    )


def foreign_comments(seed_article) -> dict[str, Comment]:
    """Comments a stranger's browser did not post, on every kind of article and in every state."""
    draft = ArticleFactory(title="A draft nobody should see", status=Article.Status.DRAFT)
    scheduled = ArticleFactory(
        title="Scheduled for next week", published_at=timezone.now() + timedelta(days=7)
    )
    author = reader()
    found = {
        "held": post(author, seed_article, "Held and private."),
        "published": CommentFactory(article=seed_article, trust_key="a" * 64),
        "spam": CommentFactory(article=seed_article, status="spam", trust_key="b" * 64),
        "removed": CommentFactory(article=seed_article, status="removed", trust_key="c" * 64),
        "from no browser": CommentFactory(article=seed_article, trust_key=""),
        "on a draft": CommentFactory(article=draft, status="pending", trust_key="d" * 64),
        "on a scheduled article": CommentFactory(
            article=scheduled, status="pending", trust_key="e" * 64
        ),
    }
    return found


@pytest.mark.parametrize("stranger_commented", [False, True])
def test_another_browser_gets_exactly_the_404_of_a_free_id(seed_article, stranger_commented):
    """
    Edit and withdraw, by GET, HEAD and POST: for a comment this browser did not post,
    the same status, headers, cookies, page and database work as for an id nobody has.
    """
    comments = foreign_comments(seed_article)
    stranger = reader()
    if stranger_commented:
        post(stranger, seed_article, "The stranger's own comment.")
    free = Comment.objects.order_by("-pk").first().pk + 1000
    typed = {"body": "Vandalised by someone else."}
    requests = [
        ("get", "comments:edit", None),
        ("head", "comments:edit", None),
        ("post", "comments:edit", typed),
        ("post", "comments:withdraw", None),
        ("get", "comments:withdraw", None),
    ]
    for method, name, data in requests:
        expected = answer_of(stranger, method, reverse(name, args=[free]), data)
        assert expected[0] in {404, 405}
        for kind, comment in comments.items():
            url = reverse(name, args=[comment.pk])
            got = answer_of(stranger, method, url, data)
            assert got == expected, f"{method} {name} of a comment {kind}"
            assert comment.article.title.encode() not in got[3]
    for comment in comments.values():
        before = (comment.body, comment.status)
        comment.refresh_from_db()
        assert (comment.body, comment.status) == before
        assert not comment.revisions.exists()


def test_the_404_gives_back_what_was_typed(client, seed_article):
    """A browser that lost its cookie while editing is not told more, but keeps its words."""
    comment = post(client, seed_article, "Mine.")
    typed = "A better text, written with care."
    response = reader().post(edit_url(comment), {"body": typed})
    assert response.status_code == 404
    assert soup(response).select_one("textarea#typed-comment").get_text().strip() == typed
