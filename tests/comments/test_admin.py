"""The moderation desk: the queue, bulk actions, the change form, and counts of what waits."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.moderation import change_status
from tests.comments.conftest import APPROVED, CHANGELIST, PENDING, REMOVED, SPAM, messages_of
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def change_url(comment: Comment) -> str:
    return reverse("admin:comments_comment_change", args=[comment.pk])


def act(client, action: str, comments, status: str = "all"):
    """Run a bulk action from the changelist showing ``status``, as the browser posts it."""
    data = {"action": action, "index": "0", "_selected_action": [c.pk for c in comments]}
    return client.post(f"{CHANGELIST}?status={status}", data, follow=True)


def rows(response) -> list[str]:
    """The text of each row of the changelist, in order."""
    soup = BeautifulSoup(response.content, "html.parser")
    return [row.get_text(" ", strip=True) for row in soup.select("#result_list tbody tr")]


def test_staff_see_held_comments_and_approve_them(superuser_client, client, seed_article):
    """A held comment is listed in the admin; approving it publishes it on the article."""
    comment = CommentFactory(article=seed_article, status="pending", body="Please publish me.")
    listing = superuser_client.get(CHANGELIST)
    assert comment.author_name in listing.content.decode()

    response = superuser_client.post(
        CHANGELIST, {"action": "approve", "_selected_action": [comment.pk]}, follow=True
    )
    assert "1 comment approved." in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert "Please publish me." in client.get(seed_article.get_absolute_url()).content.decode()


class TestQueue:
    def test_opens_on_pending_newest_first_with_every_column(self, moderator_client, seed_article):
        """Pending only, newest first: status, whole text, name, email, site, article, IP, why."""
        CommentFactory(article=seed_article, status=APPROVED, body="Already public.")
        older = CommentFactory(article=seed_article, status=PENDING, body="First in.")
        newer = CommentFactory(
            article=seed_article,
            status=PENDING,
            body="Second in. " + "word " * 40,
            author_email="newer@example.org",
            author_url="https://newer.example",
            ip_address="203.0.113.9",
            held_reason="Its text contains the moderated word “word”.",
        )
        response = moderator_client.get(CHANGELIST)
        listed = rows(response)
        assert len(listed) == 2
        assert "Second in." in listed[0] and "First in." in listed[1]
        assert all("Already public." not in row for row in listed)
        for text in [
            "Pending",
            newer.author_name,
            "newer@example.org",
            "https://newer.example",
            seed_article.title[:39],
            "203.0.113.9",
            "Its text contains the moderated word “word”.",
        ]:
            assert text in listed[0]
        assert "Second in. " + "word " * 39 + "word" in listed[0]  # the whole text
        headers = [th.get_text(strip=True) for th in response_soup(response).select("thead th")]
        for header in ["Author", "Comment", "In response to", "Submitted on"]:
            assert header in headers
        assert older.pk != newer.pk

    def test_status_filter_shows_counts_and_all(self, moderator_client, seed_article):
        """Each status carries its count; "All" lists everything."""
        CommentFactory.create_batch(2, article=seed_article, status=SPAM)
        CommentFactory(article=seed_article, status=PENDING)
        page = moderator_client.get(CHANGELIST).text
        assert "Spam (2)" in page and "Pending (1)" in page and "Approved (0)" in page
        assert len(rows(moderator_client.get(CHANGELIST, {"status": "spam"}))) == 2
        assert len(rows(moderator_client.get(CHANGELIST, {"status": "all"}))) == 3
        assert len(rows(moderator_client.get(CHANGELIST, {"status": "bogus"}))) == 0
        with_facets = moderator_client.get(CHANGELIST, {"_facets": "True"})
        assert with_facets.status_code == 200 and len(rows(with_facets)) == 1

    def test_filters_by_article_and_date(self, moderator_client, seed_article):
        """The article filter and the date hierarchy narrow the queue."""
        other = ArticleFactory(title="Another article")
        CommentFactory(article=seed_article, status=PENDING, body="On the seed.")
        CommentFactory(article=other, status=PENDING, body="On the other.")
        narrowed = rows(moderator_client.get(CHANGELIST, {"article__id__exact": other.pk}))
        assert len(narrowed) == 1 and "On the other." in narrowed[0]
        today = Comment.objects.first().created_at
        dated = moderator_client.get(
            CHANGELIST, {"created_at__year": today.year, "created_at__month": today.month}
        )
        assert len(rows(dated)) == 2
        assert len(rows(moderator_client.get(CHANGELIST, {"created_at__year": 1999}))) == 0

    @pytest.mark.parametrize("term", ["Quentin", "aubergine", "192.0.2.44", "QUENTIN"])
    def test_search_covers_name_body_and_ip(self, moderator_client, seed_article, term):
        """One search box finds a comment by name, text or IP (emails: test_desk.py)."""
        CommentFactory(
            article=seed_article,
            status=PENDING,
            author_name="Quentin",
            author_email="quentin@example.org",
            body="An aubergine a day.",
            ip_address="192.0.2.44",
        )
        CommentFactory(article=seed_article, status=PENDING, body="Unrelated.")
        found = rows(moderator_client.get(CHANGELIST, {"q": term}))
        assert len(found) == 1 and "Quentin" in found[0]

    def test_search_from_the_queue_looks_through_every_status(self, moderator_client, seed_article):
        """Looking a commenter up finds their approved and spam comments too."""
        for status in [PENDING, APPROVED, SPAM]:
            CommentFactory(article=seed_article, status=status, author_name="Quentin")
        assert len(rows(moderator_client.get(CHANGELIST, {"q": "Quentin"}))) == 3
        narrowed = moderator_client.get(CHANGELIST, {"q": "Quentin", "status": "spam"})
        assert len(rows(narrowed)) == 1

    def test_query_count_does_not_grow_with_rows(self, moderator_client):
        """Listing 100 comments costs the same queries as listing 1: no N+1."""
        articles = ArticleFactory.create_batch(3)
        CommentFactory(article=articles[0], status=PENDING)
        with CaptureQueriesContext(connection) as one:
            assert len(rows(moderator_client.get(CHANGELIST))) == 1
        for index in range(99):
            CommentFactory(
                article=articles[index % 3], status=PENDING, author_url="https://x.example"
            )
        with CaptureQueriesContext(connection) as hundred:
            assert len(rows(moderator_client.get(CHANGELIST))) == 100
        assert len(hundred) == len(one)
        assert len(hundred) <= 12


class TestActions:
    @pytest.mark.parametrize(
        ("action", "status", "singular", "plural"),
        [
            ("approve", APPROVED, "1 comment approved.", "2 comments approved."),
            ("mark_as_spam", SPAM, "1 comment marked as spam.", "2 comments marked as spam."),
            ("remove", REMOVED, "1 comment removed.", "2 comments removed."),
        ],
    )
    def test_each_action_changes_reports_and_records(
        self, moderator_client, moderator, seed_article, action, status, singular, plural
    ):
        """Pluralised message, new status, and a history entry on each comment."""
        one = CommentFactory(article=seed_article, status=PENDING)
        assert messages_of(act(moderator_client, action, [one])) == [singular]
        two = CommentFactory.create_batch(2, article=seed_article, status=PENDING)
        assert messages_of(act(moderator_client, action, two)) == [plural]
        for comment in [one, *two]:
            comment.refresh_from_db()
            assert comment.status == status
            entry = LogEntry.objects.get(object_id=str(comment.pk))
            assert entry.user == moderator
            assert entry.get_change_message() == (
                f"Status changed from Pending to {Comment.Status(status).label}."
            )

    def test_back_to_pending(self, moderator_client, seed_article):
        """Approved comments can be taken back into the queue."""
        comments = CommentFactory.create_batch(3, article=seed_article, status=APPROVED)
        response = act(moderator_client, "back_to_pending", comments)
        assert messages_of(response) == ["3 comments moved back to pending."]
        assert Comment.objects.pending().count() == 3

    def test_history_page_shows_the_change(self, moderator_client, seed_article):
        """The comment's admin history names who changed the status."""
        comment = CommentFactory(article=seed_article, status=PENDING)
        act(moderator_client, "mark_as_spam", [comment])
        history = moderator_client.get(reverse("admin:comments_comment_history", args=[comment.pk]))
        assert "Status changed from Pending to Spam." in history.text

    def test_empty_selection_changes_nothing(self, moderator_client, seed_article):
        """No comment ticked: Django's own sentence, and no change."""
        CommentFactory(article=seed_article, status=PENDING)
        response = act(moderator_client, "approve", [])
        assert response.status_code == 200
        assert messages_of(response) == [
            "Items must be selected in order to perform actions on them. "
            "No items have been changed."
        ]
        assert Comment.objects.pending().count() == 1

    def test_already_in_that_status_is_said_and_left_alone(self, moderator_client, seed_article):
        """Approving approved comments says so and records nothing."""
        approved = CommentFactory.create_batch(2, article=seed_article, status=APPROVED)
        pending = CommentFactory(article=seed_article, status=PENDING)
        response = act(moderator_client, "approve", [*approved, pending])
        assert messages_of(response) == [
            "1 comment approved.",
            "2 comments were already approved; they were left as they were.",
        ]
        assert LogEntry.objects.count() == 1
        single = act(moderator_client, "approve", [pending])
        assert messages_of(single) == ["1 comment was already approved; it was left as it was."]

    def test_reply_to_unapproved_comment_is_refused(self, moderator_client, client, seed_article):
        """A reply is not approved while its parent waits: it would answer nothing visible."""
        parent = CommentFactory(article=seed_article, status=PENDING, body="The question.")
        reply = CommentFactory(
            article=seed_article, parent=parent, status=PENDING, body="The answer."
        )
        response = act(moderator_client, "approve", [reply])
        assert messages_of(response) == [
            "1 reply was not approved, because the comment it answers is not approved: "
            "approve that comment first."
        ]
        reply.refresh_from_db()
        assert reply.status == PENDING
        assert not LogEntry.objects.exists()

    def test_parent_and_reply_approved_together(self, moderator_client, client, seed_article):
        """Selecting both approves both, parent first, whatever order they were ticked in."""
        parent = CommentFactory(article=seed_article, status=PENDING, body="The question.")
        reply = CommentFactory(
            article=seed_article, parent=parent, status=PENDING, body="The answer."
        )
        response = act(moderator_client, "approve", [reply, parent])
        assert messages_of(response) == ["2 comments approved."]
        page = client.get(seed_article.get_absolute_url()).text
        assert "The question." in page and "The answer." in page

    def test_refusals_are_pluralised(self, moderator_client, seed_article):
        """Two refused replies get the plural sentence."""
        parent = CommentFactory(article=seed_article, status=SPAM)
        replies = CommentFactory.create_batch(
            2, article=seed_article, parent=parent, status=PENDING
        )
        assert messages_of(act(moderator_client, "approve", replies)) == [
            "2 replies were not approved, because the comments they answer are not approved: "
            "approve those comments first."
        ]

    def test_actions_work_from_the_change_form(self, moderator_client, seed_article):
        """The same actions sit on each comment's own page."""
        comment = CommentFactory(article=seed_article, status=PENDING)
        page = moderator_client.get(change_url(comment))
        assert "Mark as spam" in page.text
        response = moderator_client.post(
            change_url(comment),
            {"CHANGE_FORM-action": "mark_as_spam", "_selected_action": [comment.pk]},
            follow=True,
        )
        assert messages_of(response) == ["1 comment marked as spam."]
        comment.refresh_from_db()
        assert comment.status == SPAM

    @pytest.mark.parametrize(
        ("status", "action", "new_status", "said"),
        [
            (SPAM, "approve", APPROVED, "1 comment approved."),
            (APPROVED, "back_to_pending", PENDING, "1 comment moved back to pending."),
            (REMOVED, "mark_as_spam", SPAM, "1 comment marked as spam."),
        ],
    )
    def test_the_change_form_acts_on_a_comment_in_any_status(
        self, moderator_client, seed_article, status, action, new_status, said
    ):
        """Its page is no queue tab: the status it showed is what counts, pending or not."""
        comment = CommentFactory(article=seed_article, status=status)
        data = change_form_action(moderator_client, comment, action)
        response = moderator_client.post(change_url(comment), data, follow=True)
        assert messages_of(response) == [said]
        comment.refresh_from_db()
        assert comment.status == new_status

    def test_a_comment_changed_since_its_page_loaded_is_reported_once(
        self, moderator_client, seed_article
    ):
        """Spammed by another moderator after the page loaded: left alone, and said once."""
        comment = CommentFactory(article=seed_article, status=PENDING)
        data = change_form_action(moderator_client, comment, "approve")
        change_status(comment, SPAM, by=UserFactory(is_staff=True))
        response = moderator_client.post(change_url(comment), data, follow=True)
        assert messages_of(response) == [
            "1 selected comment had been changed since the page was loaded, by another "
            "moderator; it was left as it is now."
        ]
        comment.refresh_from_db()
        assert comment.status == SPAM


class TestChangeForm:
    def test_shows_metadata_read_only(self, moderator_client, seed_article):
        """Time, IP, user agent and reason are shown but cannot be edited."""
        comment = CommentFactory(
            article=seed_article,
            status=PENDING,
            ip_address="203.0.113.5",
            user_agent="Firefox/140",
            held_reason="Every new comment is held for moderation.",
        )
        page = moderator_client.get(change_url(comment))
        soup = response_soup(page)
        for text in ["203.0.113.5", "Firefox/140", "Every new comment is held for moderation."]:
            assert text in soup.select_one("fieldset:-soup-contains('Submission')").get_text()
        for name in ["ip_address", "user_agent", "held_reason", "created_at", "author_email"]:
            assert soup.select_one(f"[name={name}]") is None
        assert soup.select_one("[name=body]") is not None
        assert soup.select_one("[name=status]") is not None

    def test_fixing_a_typo_keeps_the_status_and_records_the_edit(
        self, moderator_client, seed_article
    ):
        """Editing the body alone changes only the body."""
        comment = CommentFactory(article=seed_article, status=APPROVED, body="Teh cramps.")
        response = moderator_client.post(
            change_url(comment), form_data(comment, body="The cramps.")
        )
        assert response.status_code == 302
        comment.refresh_from_db()
        assert (comment.body, comment.status) == ("The cramps.", APPROVED)
        assert LogEntry.objects.get().get_change_message() == "Changed Comment."

    def test_status_change_goes_through_the_same_rules(self, moderator_client, seed_article):
        """Approving in the form is logged like the action, once."""
        comment = CommentFactory(article=seed_article, status=PENDING)
        response = moderator_client.post(change_url(comment), form_data(comment, status=APPROVED))
        assert response.status_code == 302
        comment.refresh_from_db()
        assert comment.status == APPROVED
        assert [e.get_change_message() for e in LogEntry.objects.all()] == [
            "Status changed from Pending to Approved."
        ]

    def test_body_and_status_together_are_both_recorded(self, moderator_client, seed_article):
        """Two history lines: the status change and the edit."""
        comment = CommentFactory(article=seed_article, status=PENDING, body="Teh.")
        moderator_client.post(change_url(comment), form_data(comment, status=SPAM, body="The."))
        messages = sorted(e.get_change_message() for e in LogEntry.objects.all())
        assert messages == ["Changed Comment.", "Status changed from Pending to Spam."]

    def test_approving_a_reply_to_a_held_comment_is_refused_in_the_form(
        self, moderator_client, seed_article
    ):
        """The form explains beside the field and changes nothing."""
        parent = CommentFactory(article=seed_article, status=PENDING, author_name="Ada")
        reply = CommentFactory(article=seed_article, parent=parent, status=PENDING)
        response = moderator_client.post(change_url(reply), form_data(reply, status=APPROVED))
        assert response.status_code == 200
        assert (
            "This reply cannot be approved while the comment it answers (by Ada) is not "
            "approved; approve that one first." in response.text
        )
        reply.refresh_from_db()
        assert reply.status == PENDING

    def test_view_on_site_only_for_published_comments(self, moderator_client, seed_article):
        """A held comment is not on the site, so the form offers no link to it."""
        held = CommentFactory(article=seed_article, status=PENDING)
        shown = CommentFactory(article=seed_article, status=APPROVED)
        assert "View on site" not in moderator_client.get(change_url(held)).text
        page = moderator_client.get(change_url(shown)).text
        assert "View on site" in page and shown.get_absolute_url() in page

    def test_reply_links_to_its_parent(self, moderator_client, seed_article):
        """The change form of a reply links to the comment it answers."""
        parent = CommentFactory(article=seed_article, status=APPROVED, body="Parent text.")
        reply = CommentFactory(article=seed_article, parent=parent, status=PENDING)
        page = moderator_client.get(change_url(reply)).text
        assert change_url(parent) in page and "Parent text." in page


class TestWhyHeld:
    @pytest.mark.parametrize(
        ("status", "shown"), [(PENDING, True), (SPAM, True), (APPROVED, False), (REMOVED, False)]
    )
    def test_why_held_shows_while_it_is_held(self, moderator_client, seed_article, status, shown):
        """Held or in spam: the reason; approved or removed: none on the row, kept on its page."""
        comment = CommentFactory(
            article=seed_article, status=status, held_reason="It contains 2 links."
        )
        row = response_soup(moderator_client.get(f"{CHANGELIST}?status={status}")).select_one(
            f"#desk-comment-{comment.pk}"
        )
        assert (row.select_one(".desk-held") is not None) is shown
        assert ("It contains 2 links." in row.get_text()) is shown
        page = moderator_client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
        assert "It contains 2 links." in page.text  # The "why held" field of its page.


class TestWaitingCounts:
    def test_admin_index_says_how_many_wait(self, moderator_client, seed_article):
        """The index leads with the count, linked to the queue, in the singular or plural."""
        CommentFactory(article=seed_article, status=PENDING)
        page = response_soup(moderator_client.get(reverse("admin:index")))
        notice = page.select_one("#comments-waiting")
        assert notice.get_text(strip=True) == "1 comment is waiting for moderation."
        assert notice.a["href"] == f"{CHANGELIST}?status=pending"
        CommentFactory(article=seed_article, status=PENDING)
        page = moderator_client.get(reverse("admin:index")).text
        assert "2 comments are waiting for moderation." in page

    def test_index_count_is_hidden_from_staff_who_cannot_see_comments(self, staff_client):
        """No comment permission, no count."""
        page = staff_client.get(reverse("admin:index")).text
        assert "waiting for moderation" not in page and "filed as spam" not in page

    def test_admin_index_counts_the_spam_of_the_last_days(self, moderator_client, seed_article):
        """Spam caught in the last 7 days, linked to the spam tab; older spam is not counted."""
        CommentFactory.create_batch(2, article=seed_article, status=SPAM)
        CommentFactory(
            article=seed_article,
            status=SPAM,
            created_at=timezone.now() - timezone.timedelta(days=8),
        )
        CommentFactory(article=seed_article, status=PENDING)
        page = response_soup(moderator_client.get(reverse("admin:index")))
        notice = page.select_one("#spam-caught")
        assert notice.get_text(" ", strip=True) == (
            "2 comments were filed as spam in the last 7 days: check that none is a real reader’s."
        )
        assert notice.a["href"] == f"{CHANGELIST}?status=spam"

    def test_article_changelist_counts_waiting_comments(self, superuser_client, seed_article):
        """Each article shows how many of its comments wait, linked to them."""
        other = ArticleFactory(title="Quiet article")
        CommentFactory.create_batch(3, article=seed_article, status=PENDING)
        CommentFactory(article=seed_article, status=APPROVED)
        CommentFactory(article=other, status=APPROVED)
        page = response_soup(superuser_client.get(reverse("admin:blog_article_changelist")))
        cells = {
            row.select_one("th").get_text(strip=True): row.select_one("td.field-waiting_comments")
            for row in page.select("#result_list tbody tr")
        }
        assert cells[seed_article.title].get_text(strip=True) == "3 comments"
        assert f"article__id__exact={seed_article.pk}" in cells[seed_article.title].a["href"]
        assert cells["Quiet article"].get_text(strip=True) == "0"

    def test_article_page_lists_its_comments_read_only(self, superuser_client, seed_article):
        """The inline shows each comment with a link to its own page, and no inputs."""
        comment = CommentFactory(article=seed_article, status=PENDING, body="Inline me.")
        page = response_soup(
            superuser_client.get(reverse("admin:blog_article_change", args=[seed_article.pk]))
        )
        inline = page.select_one("#comments-group")
        link = inline.select_one(f"a[href='{change_url(comment)}']")
        assert link.get_text(strip=True) == "Inline me."
        assert "Pending" in inline.get_text() and comment.author_name in inline.get_text()
        assert inline.select("textarea, select, input:not([type=hidden])") == []

    def test_article_with_comments_saves_as_the_browser_posts_it(
        self, superuser_client, seed_article
    ):
        """Posting the change page back as rendered saves the article and leaves comments be."""
        comment = CommentFactory(article=seed_article, status=PENDING, body="Keep me.")
        url = reverse("admin:blog_article_change", args=[seed_article.pk])
        form = response_soup(superuser_client.get(url)).select_one("#article_form")
        data = {
            field["name"]: field.get("value", "")
            for field in form.select("input[name]")
            if field.get("type") != "checkbox" or field.has_attr("checked")
        }
        data |= {field["name"]: field.get_text() for field in form.select("textarea[name]")}
        data |= {
            field["name"]: field.select_one("option[selected]")["value"]
            for field in form.select("select[name]")
        }
        data["title"] = "A new title"
        response = superuser_client.post(url, data)
        assert response.status_code == 302, response.text
        seed_article.refresh_from_db()
        comment.refresh_from_db()
        assert seed_article.title == "A new title"
        assert (comment.body, comment.status) == ("Keep me.", PENDING)


def response_soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def change_form_action(client, comment: Comment, action: str) -> dict:
    """What the comment's page posts when this action is chosen and run, as a browser sends it."""
    form = response_soup(client.get(change_url(comment))).select_one("form#comment_form")
    data = {
        field["name"]: field.get("value", "")
        for field in form.select("input[name]")
        if field.get("type") != "submit"
    }
    for select in form.select("select[name]"):
        chosen = select.select_one("option[selected]")
        data[select["name"]] = chosen["value"] if chosen else ""
    for textarea in form.select("textarea[name]"):
        data[textarea["name"]] = textarea.get_text().removeprefix("\n")
    return {**data, "CHANGE_FORM-action": action, "index": "0"}


def form_data(comment: Comment, **changes) -> dict:
    """What the change form posts for this comment, with some fields changed."""
    data = {
        "status": comment.status,
        "body": comment.body,
        "author_name": comment.author_name,
        "author_url": comment.author_url,
    }
    return {**data, **changes}
