"""
The moderation desk as a moderator meets it: each row whole, one-click decisions
(with and without the script), undo, replies as the site, and every refusal.
"""

import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment
from comments.moderation import change_status
from tests.comments.conftest import APPROVED, CHANGELIST, PENDING, REMOVED, SPAM, messages_of
from tests.conftest import SITE_URL, logged_in
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def buttons(page, comment: Comment) -> dict[str, dict]:
    """The decision buttons of a comment's row, by their visible label, as the browser sees them."""
    soup = soup_of(page)
    form = soup.select_one("form#desk-decide")
    found = {}
    for button in soup.select(f"#desk-comment-{comment.pk} button[form=desk-decide]"):
        label = button.find(string=True, recursive=False).strip()
        found[label] = {
            "url": button["formaction"],
            "data": {
                **{field["name"]: field["value"] for field in form.select("input[name]")},
                button["name"]: button["value"],
            },
        }
    return found


def press(client, page, comment: Comment, label: str, **extra):
    """Press one of a row's buttons, as a browser without the script sends it."""
    button = buttons(page, comment)[label]
    return client.post(button["url"], button["data"], **extra)


def decide_url(comment: Comment, status: str) -> str:
    return reverse("admin:comments_comment_decide", args=[comment.pk, status])


def reply_url(comment: Comment) -> str:
    return reverse("admin:comments_comment_reply", args=[comment.pk])


def history(comment: Comment) -> list[str]:
    entries = LogEntry.objects.filter(object_id=str(comment.pk)).order_by("pk")
    return [entry.get_change_message() for entry in entries]


def status_of(comment: Comment) -> str:
    comment.refresh_from_db()
    return comment.status


class TestQueue:
    def test_a_row_shows_what_a_decision_needs(self, moderator_client, seed_article):
        """Whole text; author's name, email, website, IP; why held; article; parent; time."""
        parent = CommentFactory(
            article=seed_article, author_name="Ana", body="Which stretch works best at night?"
        )
        reply = CommentFactory(
            article=seed_article,
            parent=parent,
            status=PENDING,
            author_name="Maya Okafor",
            author_email="maya@example.net",
            author_url="https://maya.example/",
            ip_address="203.0.113.7",
            held_reason="Its text contains the moderated word “calf”.",
            body="The calf one.\n\nThirty seconds each side.",
        )
        row = soup_of(moderator_client.get(CHANGELIST)).select_one("#result_list tbody tr")
        text = row.get_text(" ", strip=True)
        for shown in [
            "Maya Okafor",
            "maya@example.net",
            "https://maya.example/",
            "203.0.113.7",
            "Why held: Its text contains the moderated word “calf”.",
            "In reply to Ana : “Which stretch works best at night?”",
            seed_article.title,
        ]:
            assert shown in text
        paragraphs = [p.get_text() for p in row.select(".desk-text p")]
        assert paragraphs == ["The calf one.", "Thirty seconds each side."]
        assert row.select_one("time")["datetime"] == reply.created_at.isoformat(timespec="seconds")

    def test_a_long_comment_is_folded_and_whole_without_scripts(self, moderator_client):
        """The start is shown, the rest is in a <details> the browser opens: nothing is cut."""
        body = " ".join(f"word{number}" for number in range(400))
        CommentFactory(status=PENDING, body=body)
        row = soup_of(moderator_client.get(CHANGELIST)).select_one(".desk-text")
        folded = row.select_one("details.desk-more")
        assert "more words" in folded.summary.get_text()
        shown = row.get_text(" ", strip=True).replace(folded.summary.get_text(" ", strip=True), "")
        assert shown.split() == body.split()

    def test_a_comment_of_reasonable_length_shows_whole(self, moderator_client):
        """About 250 words (1,400 characters) are not folded: nothing to open to read it."""
        body = ("My calves cramp at night; magnesium helped a little. " * 27).strip()
        assert 1400 < len(body) < 1500
        CommentFactory(status=PENDING, body=body)
        row = soup_of(moderator_client.get(CHANGELIST)).select_one(".desk-text")
        assert row.select_one("details.desk-more") is None
        assert row.get_text(" ", strip=True) == body

    def test_status_tabs_have_counts(self, moderator_client):
        """Pending, Approved, Spam, Removed and All, each with its count; the one shown marked."""
        CommentFactory.create_batch(2, status=PENDING)
        CommentFactory(status=SPAM)
        tabs = soup_of(moderator_client.get(CHANGELIST)).select(".desk-tabs a")
        assert [tab.get_text(strip=True) for tab in tabs] == [
            "Pending (2)",
            "Approved (0)",
            "Spam (1)",
            "Removed (0)",
            "All (3)",
        ]
        assert [tab.get("aria-current") for tab in tabs][:2] == ["page", None]

    def test_each_status_offers_the_other_three(self, moderator_client):
        """Approve/Spam/Remove for pending; Unapprove for approved; and so on."""
        comments = {status: CommentFactory(status=status) for status in Comment.Status.values}
        page = moderator_client.get(CHANGELIST, {"status": "all"})
        assert {status: list(buttons(page, c)) for status, c in comments.items()} == {
            PENDING: ["Approve", "Spam", "Remove"],
            APPROVED: ["Unapprove", "Spam", "Remove"],
            SPAM: ["Approve", "Not spam", "Remove"],
            REMOVED: ["Approve", "Restore", "Spam"],
        }

    def test_buttons_post_a_form_with_the_csrf_token_and_what_was_seen(self, moderator_client):
        """Real POST buttons: the form they submit carries the token; each says what was seen."""
        comment = CommentFactory(status=PENDING)
        page = moderator_client.get(CHANGELIST)
        form = soup_of(page).select_one("form#desk-decide")
        assert form["method"] == "post"
        assert form.select_one("input[name=csrfmiddlewaretoken]")["value"]
        approve = buttons(page, comment)["Approve"]
        # The status seen, and the text (tests/comments/test_editing.py).
        assert approve["url"] == f"{decide_url(comment, APPROVED)}?text={comment.text_digest()}"
        assert approve["data"]["seen"] == PENDING

    def test_staff_who_may_not_moderate_see_no_buttons(self, seed_article):
        """view_comment alone: the whole comment, no decision buttons, no reply form."""
        user = UserFactory(is_staff=True)
        user.user_permissions.set(Permission.objects.filter(codename="view_comment"))
        comment = CommentFactory(status=PENDING, body="Read me.")
        page = logged_in(user).get(CHANGELIST)
        assert "Read me." in page.text
        assert buttons(page, comment) == {}
        assert soup_of(page).select("textarea, form#desk-decide") == []

    @pytest.mark.parametrize("count", [1, 100])
    def test_queries_per_page_do_not_grow_with_rows(self, moderator_client, count):
        """The queue, buttons and reply excerpts included, costs the same for 1 row and 100."""
        articles = ArticleFactory.create_batch(3)
        parent = CommentFactory(article=articles[0])
        for index in range(count):
            CommentFactory(
                article=articles[index % 3],
                parent=parent if index % 2 else None,
                status=PENDING,
                author_url="https://x.example",
            )
        with CaptureQueriesContext(connection) as queries:
            page = moderator_client.get(CHANGELIST)
        assert len(soup_of(page).select("#result_list tbody tr")) == count
        # Session, user, permissions (twice), status counts, the article filter,
        # two counts, the rows, the date hierarchy's two, and the spam filter's totals.
        assert len(queries) == 12, [query["sql"] for query in queries]


class TestDeciding:
    def test_one_click_approves_records_and_goes_back(self, moderator_client, moderator, client):
        """Approve: published, one history entry, back to the page with a message and Undo."""
        comment = CommentFactory(status=PENDING, body="Please publish me.")
        page = moderator_client.get(CHANGELIST, {"article__id__exact": comment.article_id})
        response = press(moderator_client, page, comment, "Approve")
        assert response.status_code == 303
        assert response["Location"] == f"{CHANGELIST}?article__id__exact={comment.article_id}"
        assert status_of(comment) == APPROVED
        assert history(comment) == ["Status changed from Pending to Approved."]
        assert LogEntry.objects.get().user == moderator
        assert "Please publish me." in client.get(comment.article.get_absolute_url()).text

        after = moderator_client.get(response["Location"])
        message = soup_of(after).select_one(".messagelist li")
        assert message.get_text(" ", strip=True) == "1 comment approved. Undo"
        assert message.form["method"] == "post"

    @pytest.mark.parametrize(
        ("label", "status", "said"),
        [
            ("Spam", SPAM, "1 comment marked as spam."),
            ("Remove", REMOVED, "1 comment removed."),
        ],
    )
    def test_spam_and_remove(self, moderator_client, label, status, said):
        """Each button is one click, told in a sentence."""
        comment = CommentFactory(status=PENDING)
        page = moderator_client.get(CHANGELIST)
        response = press(moderator_client, page, comment, label, follow=True)
        assert status_of(comment) == status
        assert messages_of(response) == [said]

    def test_unapprove_takes_the_approved_replies_along(self, moderator_client):
        """The desk goes through change_status: replies follow their parent back to pending."""
        parent = CommentFactory(status=APPROVED)
        reply = CommentFactory(article=parent.article, parent=parent, status=APPROVED)
        page = moderator_client.get(CHANGELIST, {"status": APPROVED})
        response = press(moderator_client, page, parent, "Unapprove", follow=True)
        assert (status_of(parent), status_of(reply)) == (PENDING, PENDING)
        assert messages_of(response) == [
            "1 comment moved back to pending.",
            "1 approved reply was moved back to pending along with the comment it answers.",
        ]

    def test_the_script_gets_json_and_no_message_is_left_for_later(self, moderator_client):
        """Asked for JSON: the outcome, the counts, the undo URL; the next page has no message."""
        comment = CommentFactory(status=PENDING)
        CommentFactory(status=PENDING)
        response = moderator_client.post(decide_url(comment, SPAM), {"seen": PENDING}, **JSON)
        assert response.status_code == 200
        data = response.json()
        assert data["ok"] is True
        assert data["messages"] == ["1 comment marked as spam."]
        assert data["counts"] == {PENDING: 1, APPROVED: 0, SPAM: 1, REMOVED: 0}
        assert data["statuses"] == {str(comment.pk): SPAM}
        assert data["undo"].startswith(reverse("admin:comments_comment_undo", args=["x"])[:-2])
        assert messages_of(moderator_client.get(CHANGELIST)) == []

    def test_approving_a_reply_before_its_parent_is_refused(self, moderator_client):
        """The rule of change_status, said in a sentence, and nothing changed."""
        parent = CommentFactory(status=PENDING, author_name="Ada")
        reply = CommentFactory(article=parent.article, parent=parent, status=PENDING)
        response = moderator_client.post(decide_url(reply, APPROVED), {"seen": PENDING})
        assert response.status_code == 409
        assert messages_of(response) == [
            "This reply cannot be approved while the comment it answers (by Ada) is not "
            "approved; approve that one first. Nothing was changed."
        ]
        assert status_of(reply) == PENDING


class TestRefusals:
    def test_a_stale_page_is_refused_naming_what_the_comment_is_now(
        self, moderator_client, seed_article
    ):
        """Another moderator marked it as spam after this page loaded: Approve changes nothing."""
        comment = CommentFactory(article=seed_article, status=PENDING, author_name="Maya")
        page = moderator_client.get(CHANGELIST)
        other = UserFactory(username="alice", is_staff=True)
        change_status(comment, SPAM, by=other)

        response = press(moderator_client, page, comment, "Approve")
        assert response.status_code == 409
        assert messages_of(response) == [
            "Nothing was changed: this comment by Maya is now marked as spam "
            "(changed by alice after your page was loaded)."
        ]
        assert status_of(comment) == SPAM
        assert history(comment) == ["Status changed from Pending to Spam."]
        refused = moderator_client.post(decide_url(comment, APPROVED), {"seen": PENDING}, **JSON)
        assert refused.status_code == 409
        assert "is now marked as spam" in refused.json()["messages"][0]

    def test_a_stale_refusal_tells_the_script_where_the_comment_stands(
        self, moderator_client, seed_article
    ):
        """Its status now, its text, and the buttons that fit it, as plain data (no HTML)."""
        comment = CommentFactory(
            article=seed_article, status=PENDING, held_reason="Every new comment is held."
        )
        change_status(comment, APPROVED, by=UserFactory(username="alice", is_staff=True))
        refused = moderator_client.post(decide_url(comment, SPAM), {"seen": PENDING}, **JSON)
        assert refused.status_code == 409
        now = refused.json()["now"]
        assert now["status"] == APPROVED and now["label"] == "Approved"
        assert now["held_reason"] == ""  # Approved: no longer held, so no "Why held".
        assert now["body"] == comment.body and now["text"] == comment.text_digest()
        assert [(d["label"], d["key"]) for d in now["decisions"]] == [
            ("Unapprove", "u"),
            ("Spam", "s"),
            ("Remove", "d t"),
        ]
        assert now["reply_label"] == "Reply" and now["can_reply"] is True
        # The buttons it describes work: Unapprove from the refreshed row.
        unapprove = now["decisions"][0]
        done = moderator_client.post(unapprove["url"], {"seen": now["status"]}, **JSON)
        assert done.status_code == 200
        assert status_of(comment) == PENDING

    def test_only_a_stale_refusal_carries_the_comment(self, moderator_client):
        """Forbidden, unknown or not-a-POST refusals say why and nothing more."""
        comment = CommentFactory(status=PENDING)
        wrong = moderator_client.post(decide_url(comment, "gone"), {"seen": PENDING}, **JSON)
        assert wrong.status_code == 404 and "now" not in wrong.json()

    @pytest.mark.parametrize("object_id", ["999999", "abc", "1%20OR%201"])
    def test_a_forged_comment_id_is_not_found(self, moderator_client, object_id):
        """No such comment: 404 with a sentence, and nothing changes anywhere."""
        CommentFactory(status=PENDING)
        url = f"{CHANGELIST}{object_id}/decide/approved/"
        response = moderator_client.post(url, {"seen": PENDING})
        assert response.status_code == 404
        [message] = messages_of(response)
        assert message.startswith("There is no comment with the id")
        assert message.endswith("Nothing was changed.")
        assert not Comment.objects.approved().exists()

    def test_an_unknown_status_is_refused(self, moderator_client):
        """Only the four statuses exist."""
        comment = CommentFactory(status=PENDING)
        for status, seen, code in (("published", PENDING, 404), (APPROVED, "visible", 400)):
            response = moderator_client.post(decide_url(comment, status), {"seen": seen})
            assert response.status_code == code
        assert status_of(comment) == PENDING

    def test_a_decision_already_made_is_said_so(self, moderator_client):
        """Approve on an approved comment (a double click, a forged post): 409, nothing logged."""
        comment = CommentFactory(status=APPROVED)
        response = moderator_client.post(decide_url(comment, APPROVED), {"seen": APPROVED})
        assert response.status_code == 409
        assert messages_of(response) == ["This comment is already approved; nothing was changed."]
        assert not LogEntry.objects.exists()

    def test_a_reply_to_a_forged_id_or_without_permission_is_refused(self, staff_client):
        """404 for no such comment; 403 for staff who may not see comments."""
        moderator = UserFactory(is_staff=True)
        moderator.user_permissions.set(Permission.objects.filter(codename="view_comment"))
        response = logged_in(moderator).post(f"{CHANGELIST}424242/reply/", {"body": "Hi"})
        assert response.status_code == 404
        comment = CommentFactory(status=APPROVED)
        assert staff_client.post(reply_url(comment), {"body": "Hi"}).status_code == 403
        assert not Comment.objects.filter(by_site=True).exists()

    def test_a_decision_sent_as_a_get_does_nothing(self, moderator_client):
        """Mail scanners follow links: a GET never acts, and says so."""
        comment = CommentFactory(status=PENDING)
        response = moderator_client.get(decide_url(comment, APPROVED), {"seen": PENDING})
        assert response.status_code == 405
        assert "never by opening a link" in messages_of(response)[0]
        assert status_of(comment) == PENDING
        assert not LogEntry.objects.exists()

    def test_staff_without_can_moderate_are_refused(self, seed_article):
        """view and change comments, but not can_moderate: 403 and a sentence, no change."""
        user = UserFactory(is_staff=True)
        user.user_permissions.set(
            Permission.objects.filter(codename__in=["view_comment", "change_comment"])
        )
        client = logged_in(user)
        comment = CommentFactory(status=PENDING)
        response = client.post(decide_url(comment, APPROVED), {"seen": PENDING})
        assert response.status_code == 403
        assert messages_of(response) == [
            "You may not moderate comments; ask an administrator to add you to the "
            "Moderators group. Nothing was changed."
        ]
        reply = client.post(reply_url(comment), {"body": "Hello", "seen": PENDING})
        assert reply.status_code == 403
        assert status_of(comment) == PENDING
        assert Comment.objects.count() == 1

    def test_staff_without_any_comment_permission_get_403(self, staff_client):
        """Not even told whether the comment exists."""
        comment = CommentFactory(status=PENDING)
        assert staff_client.post(decide_url(comment, APPROVED)).status_code == 403
        assert status_of(comment) == PENDING

    def test_anonymous_is_sent_to_log_in(self, client):
        """A forged cross-site post without a session changes nothing."""
        comment = CommentFactory(status=PENDING)
        response = client.post(decide_url(comment, APPROVED), {"seen": PENDING})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        assert status_of(comment) == PENDING

    def test_a_post_without_the_csrf_token_is_refused(self, moderator):
        """The buttons are real forms with CSRF: a forged post from elsewhere fails."""
        client = logged_in(moderator)
        client.handler.enforce_csrf_checks = True
        comment = CommentFactory(status=PENDING)
        response = client.post(decide_url(comment, APPROVED), {"seen": PENDING})
        assert response.status_code == 403
        assert status_of(comment) == PENDING

    def test_next_is_kept_on_this_site(self, moderator_client):
        """A forged next never sends the moderator elsewhere."""
        comment = CommentFactory(status=PENDING)
        for target in ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]:
            comment.status = PENDING
            Comment.objects.filter(pk=comment.pk).update(status=PENDING)
            response = moderator_client.post(
                decide_url(comment, APPROVED), {"seen": PENDING, "next": target}
            )
            assert response["Location"] == CHANGELIST


class TestUndo:
    def decide(self, client, comment, status, seen):
        response = client.post(decide_url(comment, status), {"seen": seen}, follow=True)
        undo = soup_of(response).select_one(".messagelist form.desk-undo-form")
        return {
            "url": undo["action"],
            "data": {field["name"]: field["value"] for field in undo.select("input[name]")},
        }

    def test_undo_restores_the_previous_status_and_history_says_so(
        self, moderator_client, moderator
    ):
        """Spam, then Undo: pending again, and the history shows both steps."""
        comment = CommentFactory(status=PENDING)
        undo = self.decide(moderator_client, comment, SPAM, PENDING)
        response = moderator_client.post(undo["url"], undo["data"], follow=True)
        assert messages_of(response) == ["Undone: 1 comment is back as it was."]
        assert status_of(comment) == PENDING
        assert history(comment) == [
            "Status changed from Pending to Spam.",
            "Status changed from Spam to Pending, undoing an earlier decision.",
        ]

    def test_undoing_a_removal_brings_back_the_replies_that_followed(self, moderator_client):
        """Built on StatusChange.previous: the replies that left with their parent come back."""
        parent = CommentFactory(status=APPROVED)
        reply = CommentFactory(article=parent.article, parent=parent, status=APPROVED)
        deeper = CommentFactory(article=parent.article, parent=reply, status=APPROVED)
        undo = self.decide(moderator_client, parent, SPAM, APPROVED)
        assert [status_of(c) for c in (parent, reply, deeper)] == [SPAM, REMOVED, REMOVED]
        response = moderator_client.post(undo["url"], undo["data"], follow=True)
        assert [status_of(c) for c in (parent, reply, deeper)] == [APPROVED] * 3
        assert messages_of(response) == ["Undone: 3 comments are back as they were."]

    def test_undo_twice_is_refused(self, moderator_client):
        """The second Undo says it was done already and changes nothing."""
        comment = CommentFactory(status=PENDING)
        undo = self.decide(moderator_client, comment, APPROVED, PENDING)
        moderator_client.post(undo["url"], undo["data"])
        moderator_client.post(decide_url(comment, SPAM), {"seen": PENDING})
        again = moderator_client.post(undo["url"], undo["data"])
        assert again.status_code == 409
        assert messages_of(again)[-1] == (
            "This decision has already been undone; nothing was changed."
        )
        assert status_of(comment) == SPAM

    def test_undo_leaves_a_comment_changed_again_since(self, moderator_client):
        """Approved, then spammed by someone else: Undo of the approval leaves the spam."""
        comment = CommentFactory(status=PENDING)
        undo = self.decide(moderator_client, comment, APPROVED, PENDING)
        change_status(comment, SPAM, by=UserFactory(is_staff=True))
        response = moderator_client.post(undo["url"], undo["data"], follow=True)
        assert messages_of(response) == [
            "1 comment was changed again after this decision, so it was left as it is now."
        ]
        assert status_of(comment) == SPAM

    def test_undo_belongs_to_the_session_that_decided(self, moderator_client, moderator):
        """Another session (or a guessed token) cannot undo: 404, nothing changed."""
        comment = CommentFactory(status=PENDING)
        undo = self.decide(moderator_client, comment, SPAM, PENDING)
        other = logged_in(moderator)
        response = other.post(undo["url"], undo["data"])
        assert response.status_code == 404
        assert status_of(comment) == SPAM
        guessed = reverse("admin:comments_comment_undo", args=["guessed-token"])
        assert moderator_client.post(guessed).status_code == 404

    def test_undo_by_get_does_nothing(self, moderator_client):
        """Like every desk action, undo is a POST."""
        comment = CommentFactory(status=PENDING)
        undo = self.decide(moderator_client, comment, SPAM, PENDING)
        assert moderator_client.get(undo["url"]).status_code == 405
        assert status_of(comment) == SPAM

    def test_the_script_undoes_with_json(self, moderator_client):
        """The same undo, answered in JSON with the restored statuses and counts."""
        comment = CommentFactory(status=PENDING)
        data = moderator_client.post(decide_url(comment, REMOVED), {"seen": PENDING}, **JSON)
        response = moderator_client.post(data.json()["undo"], **JSON)
        assert response.json()["statuses"] == {str(comment.pk): PENDING}
        assert response.json()["counts"][PENDING] == 1
        again = moderator_client.post(data.json()["undo"], **JSON)
        assert again.status_code == 409 and again.json()["ok"] is False

    def test_bulk_actions_can_be_undone_too(self, moderator_client):
        """Approving three in bulk offers one Undo for all three."""
        comments = CommentFactory.create_batch(3, status=PENDING)
        data = {"action": "approve", "index": "0", "_selected_action": [c.pk for c in comments]}
        response = moderator_client.post(CHANGELIST, data, follow=True)
        undo = soup_of(response).select_one(".messagelist form.desk-undo-form")
        fields = {field["name"]: field["value"] for field in undo.select("input[name]")}
        moderator_client.post(undo["action"], fields)
        assert [status_of(c) for c in comments] == [PENDING] * 3


class TestBulkActions:
    def test_a_ticked_comment_changed_meanwhile_is_said_and_left(self, moderator_client):
        """Ticked in the pending queue, spammed by another moderator before Run: left alone."""
        mine, theirs = CommentFactory.create_batch(2, status=PENDING)
        change_status(theirs, SPAM, by=UserFactory(is_staff=True))
        data = {"action": "approve", "index": "0", "_selected_action": [mine.pk, theirs.pk]}
        response = moderator_client.post(CHANGELIST, data, follow=True)
        assert messages_of(response) == [
            "1 comment approved.",
            "1 selected comment had been changed since the page was loaded, by another "
            "moderator; it was left as it is now.",
        ]
        assert (status_of(mine), status_of(theirs)) == (APPROVED, SPAM)

    def test_the_queues_own_form_is_told_of_it_too(self, moderator_client):
        """Posted as the page's form sends it, with its hidden select_across of "0"."""
        mine, theirs = CommentFactory.create_batch(2, status=PENDING)
        form = soup_of(moderator_client.get(CHANGELIST)).select_one("form#changelist-form")
        data = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
        assert data["select_across"] == "0"
        change_status(theirs, SPAM, by=UserFactory(is_staff=True))
        data |= {"action": "approve", "index": "0", "_selected_action": [mine.pk, theirs.pk]}
        response = moderator_client.post(CHANGELIST, data, follow=True)
        assert messages_of(response) == [
            "1 comment approved.",
            "1 selected comment had been changed since the page was loaded, by another "
            "moderator; it was left as it is now.",
        ]
        assert (status_of(mine), status_of(theirs)) == (APPROVED, SPAM)


class TestReplies:
    def reply_form(self, page, comment) -> dict:
        soup = soup_of(page)
        form = soup.select_one(f"form#desk-reply-{comment.pk}")
        data = {field["name"]: field["value"] for field in form.select("input[name]")}
        return {"url": form["action"], "data": data}

    def test_a_reply_from_the_queue_is_published_as_the_site_and_approves_the_comment(
        self, moderator_client, moderator, client, seed_article, settings
    ):
        """One step: the pending comment is approved, the reply is public, signed by the site."""
        settings.SITE_NAME = "Foot Notes"
        comment = CommentFactory(article=seed_article, status=PENDING, author_name="Maya")
        form = self.reply_form(moderator_client.get(CHANGELIST), comment)
        assert form["data"]["seen"] == PENDING
        response = moderator_client.post(
            form["url"], {**form["data"], "body": "Thanks, Maya!\n\nTry it for a week."}
        )
        assert response.status_code == 303

        reply = Comment.objects.get(by_site=True)
        assert (reply.parent, reply.status, reply.author_name) == (comment, APPROVED, "Foot Notes")
        assert (reply.author_email, reply.written_by) == ("", moderator)
        assert status_of(comment) == APPROVED
        assert "Written for the site by" in history(reply)[0]
        assert history(comment) == [
            "Status changed from Pending to Approved.",
            f"Answered for the site by {moderator.username} (reply #{reply.pk}).",
        ]

        page = soup_of(client.get(seed_article.get_absolute_url()))
        item = page.select_one(f"#comment-{reply.pk}")
        assert item.select_one(".comment-author").get_text(strip=True) == "Foot Notes"
        assert item.select_one(".comment-author-badge").get_text(strip=True) == "Author"
        assert [p.get_text() for p in item.select(".comment-content p")] == [
            "Thanks, Maya!",
            "Try it for a week.",
        ]
        html = str(page)
        assert moderator.email not in html and moderator.username not in html

        after = messages_of(moderator_client.get(CHANGELIST))
        assert after[0] == f"Your reply to Maya is published on “{seed_article.title}”."
        assert after[1] == "1 comment approved."

    def test_a_reply_is_plain_text_like_a_readers(self, moderator_client, client, seed_article):
        """Markup is shown as typed; control characters go, as in the comment form."""
        comment = CommentFactory(article=seed_article, status=APPROVED)
        moderator_client.post(reply_url(comment), {"body": "<b>bold</b>\x07 and\r\nmore"})
        reply = Comment.objects.get(by_site=True)
        assert reply.body == "<b>bold</b> and\nmore"
        assert "&lt;b&gt;bold&lt;/b&gt;" in client.get(seed_article.get_absolute_url()).text

    @pytest.mark.parametrize(
        ("body", "error"),
        [
            ("   ", "Please write your reply; nothing was published."),
            ("x" * 5001, "Please shorten your reply to 5000 characters (it has 5001)"),
        ],
    )
    def test_an_empty_or_too_long_reply_is_refused_beside_the_field_text_kept(
        self, moderator_client, body, error
    ):
        """400, the sentence beside the field, the text still there; nothing published."""
        comment = CommentFactory(status=PENDING)
        response = moderator_client.post(reply_url(comment), {"body": body, "seen": PENDING})
        assert response.status_code == 400
        field = soup_of(response).select_one("textarea[name=body]")
        assert field.get_text().strip() == body.strip()
        assert error in field.find_parent("div").get_text()
        assert Comment.objects.count() == 1 and status_of(comment) == PENDING
        data = moderator_client.post(reply_url(comment), {"body": body}, **JSON)
        assert data.status_code == 400 and error in data.json()["messages"][0]

    def test_a_reply_to_spam_or_a_stale_comment_is_refused(self, moderator_client):
        """Readers cannot see spam; a comment changed since the page loaded is not answered."""
        spam = CommentFactory(status=SPAM)
        response = moderator_client.post(reply_url(spam), {"body": "Hi", "seen": SPAM})
        assert response.status_code == 409
        assert "is marked as spam, so readers cannot see it" in messages_of(response)[0]
        stale = CommentFactory(status=REMOVED)
        response = moderator_client.post(reply_url(stale), {"body": "Hi", "seen": PENDING})
        assert response.status_code == 409
        assert "is now removed" in messages_of(response)[0]
        assert not Comment.objects.filter(by_site=True).exists()

    def test_a_reply_to_a_reply_of_a_held_comment_is_refused(self, moderator_client):
        """Approving it would break the rule (its parent waits): nothing is published."""
        parent = CommentFactory(status=PENDING, author_name="Ada")
        reply = CommentFactory(article=parent.article, parent=parent, status=PENDING)
        response = moderator_client.post(reply_url(reply), {"body": "Hi", "seen": PENDING})
        assert response.status_code == 409
        assert "(by Ada) is not approved" in messages_of(response)[0]
        assert not Comment.objects.filter(by_site=True).exists()
        assert status_of(reply) == PENDING

    def test_at_the_deepest_level_the_reply_joins_the_conversation(self, moderator_client):
        """As readers' replies do: filed under the deepest comment that leaves room."""
        comment = CommentFactory(status=APPROVED)
        for _ in range(4):
            comment = CommentFactory(article=comment.article, parent=comment, status=APPROVED)
        assert comment.depth == 5
        moderator_client.post(reply_url(comment), {"body": "Agreed."})
        reply = Comment.objects.get(by_site=True)
        assert (reply.parent_id, reply.depth) == (comment.parent_id, 5)

    def test_reply_page_by_get_shows_the_form_and_changes_nothing(self, moderator_client):
        """Reached without the script (or from an error): the comment and the form."""
        comment = CommentFactory(status=PENDING, body="Answer me.")
        response = moderator_client.get(reply_url(comment))
        assert response.status_code == 200
        assert "Answer me." in response.text
        assert soup_of(response).select_one("textarea[name=body]") is not None
        assert status_of(comment) == PENDING

    def test_the_script_replies_with_json(self, moderator_client):
        """The outcome in JSON, with the reply's public address and the undo of the approval."""
        comment = CommentFactory(status=PENDING, author_name="Maya")
        response = moderator_client.post(
            reply_url(comment), {"body": "Welcome!", "seen": PENDING}, **JSON
        )
        data = response.json()
        reply = Comment.objects.get(by_site=True)
        assert data["reply"]["url"] == reply.get_absolute_url()
        assert data["reply"]["message"].startswith("Your reply to Maya is published")
        assert data["messages"] == ["1 comment approved."]
        assert data["statuses"] == {str(comment.pk): APPROVED}

    def test_a_site_reply_in_the_queue_says_who_wrote_it(self, moderator_client, moderator):
        """Staff see which of them wrote it; it has no email."""
        comment = CommentFactory(status=APPROVED)
        moderator_client.post(reply_url(comment), {"body": "Thanks."})
        page = moderator_client.get(CHANGELIST, {"status": APPROVED})
        row = soup_of(page).select("#result_list tbody tr")[0].get_text(" ", strip=True)
        assert f"Author by {moderator.username}" in row
        reply = Comment.objects.get(by_site=True)
        own_page = moderator_client.get(reverse("admin:comments_comment_change", args=[reply.pk]))
        assert f"Yes, by {moderator.username}" in own_page.text


class TestCommentPage:
    @pytest.mark.usefixtures("site_url")
    def test_the_held_comment_email_links_to_a_page_where_one_click_decides(
        self, post_comment, comment_data, moderator, moderator_client, settings,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        """The link opens the comment on the desk, with its buttons; opening it changes nothing."""
        with django_capture_on_commit_callbacks(execute=True):
            post_comment(comment_data)
        comment = Comment.objects.get()
        [message] = mail.outbox
        change = reverse("admin:comments_comment_change", args=[comment.pk])
        assert f"{SITE_URL}{change}" in message.body

        page = moderator_client.get(change)
        assert status_of(comment) == PENDING
        assert list(buttons(page, comment)) == ["Approve", "Spam", "Remove"]
        response = press(moderator_client, page, comment, "Approve")
        assert response["Location"] == change
        assert status_of(comment) == APPROVED

    def test_the_email_link_asks_for_a_login_first(self, client):
        """Without a session the link leads to the login page and nothing else happens."""
        comment = CommentFactory(status=PENDING)
        response = client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        assert status_of(comment) == PENDING

    def test_the_comment_page_has_a_reply_form(self, moderator_client):
        """Reply from the comment's own page too; back there afterwards."""
        comment = CommentFactory(status=APPROVED)
        change = reverse("admin:comments_comment_change", args=[comment.pk])
        page = moderator_client.get(change)
        form = soup_of(page).select_one(f"form#desk-reply-{comment.pk}")
        data = {field["name"]: field["value"] for field in form.select("input[name]")}
        response = moderator_client.post(form["action"], {**data, "body": "Noted."})
        assert response["Location"] == change
        assert Comment.objects.filter(by_site=True, parent=comment).exists()


class TestTheAdminSpeaksForTheSite:
    def test_header_and_title_carry_the_site_name(self, moderator_client, settings):
        """DJANGO_SITE_NAME, not "Django administration"."""
        settings.SITE_NAME = "Foot Notes"
        page = moderator_client.get(reverse("admin:index"))
        soup = soup_of(page)
        assert soup.select_one("#site-name").get_text(strip=True) == "Foot Notes"
        assert "Foot Notes" in soup.title.get_text()
        assert "Django" not in soup.title.get_text() + soup.select_one("#header").get_text()

    def test_admin_pages_carry_the_sites_icon(self, client, moderator_client):
        """Else every visit asks for /favicon.ico, a 404 (issue 22, point 7)."""
        for page in [client.get(reverse("admin:login")), moderator_client.get(CHANGELIST)]:
            icon = soup_of(page).select_one("link[rel=icon]")
            assert icon["href"] == "/static/img/favicon.svg"
        assert finders.find("img/favicon.svg")

    def test_the_index_leads_with_the_count_and_the_five_newest_held(self, moderator_client):
        """The pending count, then the five newest held comments, whole, with their buttons."""
        held = [CommentFactory(status=PENDING, body=f"Held number {n}.") for n in range(6)]
        CommentFactory(status=SPAM, body="Not this one.")
        page = moderator_client.get(reverse("admin:index"))
        soup = soup_of(page)
        content = soup.select_one("#content")
        assert content.get_text(" ", strip=True).startswith(
            "Site administration 6 comments are waiting for moderation. 1 comment was filed as "
            "spam in the last 7 days: check that it is not a real reader’s. "
            "Newest comments waiting"
        )
        cards = soup.select(".desk-newest .desk-card")
        assert [card.select_one(".desk-text").get_text(strip=True) for card in cards] == [
            f"Held number {n}." for n in (5, 4, 3, 2, 1)
        ]
        newest = held[-1]
        assert list(buttons(page, newest)) == ["Approve", "Spam", "Remove"]
        response = press(moderator_client, page, newest, "Approve")
        assert response["Location"] == reverse("admin:index")
        assert status_of(newest) == APPROVED

    def test_the_index_shows_viewers_the_comments_without_buttons(self):
        """view_comment alone: the comments, no buttons."""
        user = UserFactory(is_staff=True)
        user.user_permissions.set(Permission.objects.filter(codename="view_comment"))
        comment = CommentFactory(status=PENDING, body="Look only.")
        page = logged_in(user).get(reverse("admin:index"))
        assert "Look only." in page.text
        assert buttons(page, comment) == {}


def test_change_status_refuses_what_changed_since_it_was_seen(moderator):
    """seen: a comment no longer in that status is left as it is, in stale, with its status now."""
    comment = CommentFactory(status=PENDING)
    stale_copy = Comment.objects.get(pk=comment.pk)
    change_status(comment, SPAM, by=moderator)
    result = change_status(stale_copy, APPROVED, by=moderator, seen=PENDING)
    assert (result.changed, result.stale) == ([], [stale_copy])
    assert stale_copy.status == SPAM
    assert status_of(comment) == SPAM
    by_id = change_status([comment], PENDING, by=moderator, seen={comment.pk: SPAM})
    assert by_id.changed == [comment] and status_of(comment) == PENDING
    assert json.dumps(by_id.previous) == json.dumps({comment.pk: SPAM})


def test_change_status_leaves_a_text_changed_since_it_was_read(moderator):
    """texts: a comment whose text is not the one the moderator read is left as it is, in edited."""
    comment = CommentFactory(status=PENDING, body="Harmless.")
    read = comment.text_digest()
    Comment.objects.filter(pk=comment.pk).update(body="Switched.")
    other = CommentFactory(status=PENDING)
    both = [comment, other]
    result = change_status(both, APPROVED, by=moderator, seen=PENDING, texts={comment.pk: read})
    assert (result.edited, result.changed, result.stale) == ([comment], [other], [])
    assert status_of(comment) == PENDING
    alone = change_status(comment, SPAM, by=moderator, texts={comment.pk: read})
    assert (alone.edited, alone.changed) == ([comment], [])
    assert status_of(comment) == PENDING
