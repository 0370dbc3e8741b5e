"""The rules staff set on one admin page, as posting/intake.py applies them to each new comment."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from comments.models import Comment, ModerationSettings
from comments.trust import COOKIE_NAME
from tests.conftest import post_as, reader
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

SETTINGS_PAGE = reverse("admin:comments_moderationsettings_changelist")


def set_rules(**values) -> ModerationSettings:
    rules = ModerationSettings.load()
    for name, value in values.items():
        setattr(rules, name, value)
    rules.save()
    return rules


def posted(post_comment, data, **kwargs) -> Comment:
    """Post a comment and return it as stored."""
    response = post_comment(data, **kwargs)
    assert response.status_code == 302
    return Comment.objects.latest("pk")


def test_defaults_are_the_issues(db):
    """Hold everything, hold at 2 links, empty word lists, no trust."""
    rules = ModerationSettings.load()
    assert rules.hold_all is True
    assert rules.link_limit == 2
    assert rules.moderation_words == rules.block_words == ""
    assert rules.trust_returning is False


def test_every_comment_is_held_by_default(post_comment, comment_data):
    """With the defaults a plain comment waits, and says which rule held it."""
    comment = posted(post_comment, comment_data)
    assert comment.status == Comment.Status.PENDING
    assert comment.held_reason == "Every new comment is held for moderation."


def test_without_hold_all_a_plain_comment_is_published(client, post_comment, comment_data):
    """Turning the first rule off publishes an innocent comment at once."""
    set_rules(hold_all=False)
    comment = posted(post_comment, comment_data)
    assert comment.status == Comment.Status.APPROVED
    assert comment.held_reason == ""
    assert comment_data["body"] in Client().get(comment.article.get_absolute_url()).text


@pytest.mark.parametrize(
    ("body", "held"),
    [
        ("See https://example.com for more.", False),
        ("See https://example.com and http://example.org.", True),
        ("www.example.com and HTTPS://EXAMPLE.NET and more", True),
        ("Plain words, no addresses at all.", False),
    ],
)
def test_two_links_hold_a_comment_with_that_reason(post_comment, comment_data, body, held):
    """Two or more web addresses hold a comment even when nothing else would."""
    set_rules(hold_all=False)
    comment = posted(post_comment, {**comment_data, "body": body})
    assert (comment.status == Comment.Status.PENDING) is held
    if held:
        assert comment.held_reason == "It contains 2 links; comments with 2 or more are held."


def test_link_limit_of_zero_turns_the_rule_off(post_comment, comment_data):
    """0 means no limit."""
    set_rules(hold_all=False, link_limit=0)
    body = "https://a.example https://b.example https://c.example"
    assert posted(post_comment, {**comment_data, "body": body}).is_approved()


@pytest.mark.parametrize(
    ("field", "overrides", "headers", "label"),
    [
        ("name", {"author_name": "Casino Bob"}, {}, "name"),
        ("email", {"author_email": "bob@casino.example"}, {}, "email"),
        ("website", {"author_url": "https://casino.example"}, {}, "website"),
        ("body", {"body": "Visit the CASINO today"}, {}, "text"),
        ("ip", {}, {"REMOTE_ADDR": "198.51.100.23"}, "IP address"),
        ("agent", {}, {"HTTP_USER_AGENT": "CasinoBot/1.0"}, "browser"),
    ],
)
def test_moderation_word_in_any_field_holds_naming_the_field_not_the_word(
    post_comment, comment_data, field, overrides, headers, label
):
    """
    Name, email, website, text, IP and user agent are all searched, ignoring case.

    The reason names the rule and the field, never the entry it matched: an entry
    that matches an address or an IP would otherwise be a copy of it, left behind
    by erasure and retention.
    """
    set_rules(hold_all=False, moderation_words="casino\n198.51.100.")
    comment = posted(post_comment, {**comment_data, **overrides}, **headers)
    assert comment.status == Comment.Status.PENDING
    assert comment.held_reason == f"Its {label} contains a moderated word."


def test_block_word_sends_a_comment_to_spam(client, post_comment, comment_data):
    """A blocked word wins over every other rule; the sender cannot tell from the page."""
    set_rules(block_words="Cheap pills", moderation_words="pills")
    comment = posted(post_comment, {**comment_data, "body": "Buy CHEAP PILLS now"})
    assert comment.status == Comment.Status.SPAM
    assert comment.held_reason == "Its text contains a blocked word."
    assert "Buy CHEAP PILLS now" not in Client().get(comment.article.get_absolute_url()).text


def test_word_lists_are_plain_words_not_patterns(post_comment, comment_data):
    """Regex characters are literal: ".*" matches only a dot and a star, "c++" only itself."""
    set_rules(hold_all=False, moderation_words=".*\n(unclosed\nc++")
    assert posted(post_comment, {**comment_data, "body": "Nothing odd here."}).is_approved()
    held = posted(post_comment, {**comment_data, "body": "I write c++ at night."})
    assert held.held_reason == "Its text contains a moderated word."


def test_word_list_tidies_blank_lines_duplicates_and_case(db):
    """Saved lists keep one entry per word, first spelling first, no blank lines."""
    rules = set_rules(moderation_words="  Casino \n\n\ncasino\nCASINO\n  \nPoker\n")
    assert rules.moderation_words == "Casino\nPoker"


@pytest.mark.parametrize("rule", ["moderation_words", "block_words"])
def test_a_word_matching_the_email_or_ip_leaves_no_copy_of_it(post_comment, comment_data, rule):
    """A list entry that is someone's address or IP is nowhere in what the comment stores."""
    set_rules(**{rule: "maya.okafor@example.net\n203.0.113.9"})
    comment = posted(post_comment, comment_data, REMOTE_ADDR="203.0.113.9")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Comment._meta.db_table}")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "maya.okafor" not in row.lower()
    assert "203.0.113.9" not in comment.held_reason
    assert comment.held_reason in {
        "Its email contains a moderated word.",
        "Its email contains a blocked word.",
    }


class TestTrust:
    """Returning commenters, trusted through their browser's token only."""

    @pytest.fixture(autouse=True)
    def _trust_on(self, db):
        set_rules(trust_returning=True)

    def approve_all(self):
        Comment.objects.update(status=Comment.Status.APPROVED)

    def test_browser_with_an_approved_comment_is_published_at_once(
        self, post_comment, comment_data
    ):
        """Same browser, same email, one approved comment: the next one skips the queue."""
        posted(post_comment, comment_data)
        self.approve_all()
        second = posted(post_comment, {**comment_data, "body": "Back again."})
        assert second.status == Comment.Status.APPROVED

    def test_name_and_email_alone_earn_no_trust(self, post_comment, comment_data, seed_article):
        """Another browser typing the same name and email is held, as WordPress would not."""
        posted(post_comment, comment_data)
        again = {**comment_data, "body": "Back again."}
        self.approve_all()
        response = post_as(reader(), seed_article, again)
        assert response.status_code == 302
        impostor = Comment.objects.latest("pk")
        assert impostor.status == Comment.Status.PENDING

    def test_same_browser_with_another_email_is_not_trusted(self, post_comment, comment_data):
        """The token is tied to the author too: a shared computer does not pass it on."""
        posted(post_comment, comment_data)
        again = {**comment_data, "body": "Back again."}
        self.approve_all()
        other = posted(post_comment, {**again, "author_email": "someone@example.org"})
        assert other.status == Comment.Status.PENDING

    def test_forged_or_copied_cookie_value_earns_nothing(
        self, client, post_comment, comment_data, seed_article
    ):
        """The cookie is signed; the database holds only a digest of the token."""
        posted(post_comment, comment_data)
        again = {**comment_data, "body": "Back again."}
        self.approve_all()
        stored = Comment.objects.get().trust_key
        forger = reader()
        forger.cookies[COOKIE_NAME] = stored  # the digest, as if read from the database
        response = post_as(forger, seed_article, again)
        assert response.status_code == 302
        assert Comment.objects.latest("pk").status == Comment.Status.PENDING

    def test_a_trusted_browser_under_another_name_is_held(self, post_comment, comment_data):
        """Trust is for one name and email together: a new name from that browser waits."""
        posted(post_comment, comment_data)
        self.approve_all()
        again = {**comment_data, "body": "Back again.", "author_name": "Not Maya"}
        assert posted(post_comment, again).status == Comment.Status.PENDING
        same = {**comment_data, "body": "And again."}
        assert posted(post_comment, same).status == Comment.Status.APPROVED

    def test_trust_needs_an_approved_comment(self, post_comment, comment_data):
        """A browser whose comments all wait (or were spam) is still held."""
        posted(post_comment, comment_data)
        again = {**comment_data, "body": "Back again."}
        Comment.objects.update(status=Comment.Status.SPAM)
        assert posted(post_comment, again).status == Comment.Status.PENDING

    def test_trusted_commenter_still_meets_links_and_word_lists(self, post_comment, comment_data):
        """Trust skips the general hold, not the specific rules."""
        posted(post_comment, comment_data)
        again = {**comment_data, "body": "Back again."}
        self.approve_all()
        set_rules(trust_returning=True, moderation_words="cramp")
        held = posted(post_comment, {**again, "body": "More cramps tonight."})
        assert held.status == Comment.Status.PENDING
        assert posted(post_comment, again).is_approved()  # trust still holds otherwise

    def test_trust_is_off_by_default(self, post_comment, comment_data):
        """With the rule off, an approved history changes nothing."""
        posted(post_comment, comment_data)
        again = {**comment_data, "body": "Back again."}
        self.approve_all()
        set_rules(trust_returning=False)
        assert posted(post_comment, again).status == Comment.Status.PENDING

    def test_cookie_is_signed_httponly_and_holds_no_personal_data(
        self, client, post_comment, comment_data
    ):
        """A random token: not the email, not its digest; scripts cannot read it."""
        posted(post_comment, comment_data)
        cookie = client.cookies[COOKIE_NAME]
        assert cookie["httponly"] and cookie["samesite"] == "Lax"
        assert "okafor" not in cookie.value.lower()
        assert Comment.objects.get().trust_key not in cookie.value


def test_settings_page_is_one_page_that_staff_edit(superuser_client, post_comment, comment_data):
    """The list opens the one row; saving it changes what happens to the next comment."""
    response = superuser_client.get(SETTINGS_PAGE)
    assert response.status_code == 302
    page = superuser_client.get(response["Location"])
    assert "Hold every new comment" in page.text
    assert "Publish returning commenters at once" in page.text
    saved = superuser_client.post(
        response["Location"],
        {"link_limit": "3", "moderation_words": "", "block_words": "viagra\n\nViagra\n"},
    )
    assert saved.status_code == 302
    rules = ModerationSettings.load()
    assert (rules.hold_all, rules.link_limit, rules.block_words) == (False, 3, "viagra")
    assert posted(post_comment, comment_data).is_approved()
    assert ModerationSettings.objects.count() == 1


def test_settings_page_cannot_be_added_to_or_deleted(superuser_client):
    """One row only: no add page, no delete."""
    ModerationSettings.load()
    assert superuser_client.get(reverse("admin:comments_moderationsettings_add")).status_code == 403
    delete = reverse("admin:comments_moderationsettings_delete", args=[1])
    assert superuser_client.get(delete).status_code == 403


def test_moderators_may_not_change_the_rules(moderator_client):
    """The rules are the site owner's; the Moderators group holds only the queue."""
    assert moderator_client.get(SETTINGS_PAGE).status_code == 403


def test_existing_approved_comment_by_email_alone_does_not_bypass_hold(
    post_comment, comment_data, seed_article
):
    """Even with trust on, an approved comment typed elsewhere with that email does not count."""
    set_rules(trust_returning=True)
    CommentFactory(article=seed_article, author_email=comment_data["author_email"])
    assert posted(post_comment, comment_data).status == Comment.Status.PENDING
