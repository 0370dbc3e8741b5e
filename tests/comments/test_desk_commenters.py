"""
One click to everything from a commenter (issue 22, point 5): a row's email and
IP address are filters, the IP search takes whole addresses and networks, and
Block puts a row's IP address or email on the block list, for any moderator.
The attacker's view: no address, nor its hash, ever enters a URL.
"""

import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission

from comments.desk.views import SAME_COMMENTER_VAR
from comments.models import Comment, ModerationSettings
from comments.posting.intake import find_word
from tests.comments.conftest import CHANGELIST, PENDING, SPAM, messages_of
from tests.comments.test_desk import JSON
from tests.comments.test_intake_rules import posted
from tests.conftest import logged_in
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def shown(response) -> set[str]:
    """The comment ids a queue page lists."""
    return {row["data-comment-id"] for row in soup_of(response).select(".desk-comment")}


def ids(*comments: Comment) -> set[str]:
    return {str(comment.pk) for comment in comments}


def block_url(comment: Comment, what: str) -> str:
    return f"{CHANGELIST}{comment.pk}/block/{what}/"


@pytest.fixture
def mayas(seed_article) -> list[Comment]:
    """Maya's comments (her address typed two ways), and a stranger's from a close address."""
    return [
        CommentFactory(
            article=seed_article,
            status=status,
            author_name="Maya",
            author_email=email,
            ip_address=ip,
        )
        for status, email, ip in [
            (PENDING, "maya@example.net", "127.0.0.1"),
            (Comment.Status.APPROVED, "Maya@Example.NET", "203.0.113.7"),
            (SPAM, "maya@example.net", "203.0.113.200"),
        ]
    ]


@pytest.fixture
def stranger(seed_article) -> Comment:
    return CommentFactory(
        article=seed_article,
        status=PENDING,
        author_email="sam@example.org",
        ip_address="127.0.0.10",
    )


class TestIPSearch:
    def test_an_address_finds_that_address_whole(self, moderator_client, mayas, stranger):
        """127.0.0.1 does not find 127.0.0.10, nor 127.0.0.10 find 127.0.0.1."""
        assert shown(moderator_client.get(CHANGELIST, {"q": "127.0.0.1"})) == ids(mayas[0])
        assert shown(moderator_client.get(CHANGELIST, {"q": " 127.0.0.10 "})) == ids(stranger)

    def test_a_network_finds_every_address_in_it(self, moderator_client, mayas, stranger):
        """203.0.113.0/24 finds the block, in every status; 127.0.0.0/8 the loopback ones."""
        found = moderator_client.get(CHANGELIST, {"q": "203.0.113.0/24"})
        assert shown(found) == ids(mayas[1], mayas[2])
        assert shown(moderator_client.get(CHANGELIST, {"q": "127.0.0.0/8"})) == ids(
            mayas[0], stranger
        )

    def test_ipv6_too(self, moderator_client, seed_article):
        inside = CommentFactory(article=seed_article, status=PENDING, ip_address="2001:db8::7")
        CommentFactory(article=seed_article, status=PENDING, ip_address="2001:db9::7")
        assert shown(moderator_client.get(CHANGELIST, {"q": "2001:db8::/32"})) == ids(inside)
        assert shown(moderator_client.get(CHANGELIST, {"q": "2001:DB8:0::7"})) == ids(inside)

    def test_words_still_search_names_and_text(self, moderator_client, mayas, stranger):
        assert shown(moderator_client.get(CHANGELIST, {"q": "Maya"})) == ids(*mayas)
        # Part of an address is no address: it searches names and text, and finds nothing.
        assert shown(moderator_client.get(CHANGELIST, {"q": "127.0.0"})) == set()


class TestRowFilters:
    def test_the_ip_address_lists_every_comment_from_it(self, moderator_client, mayas, stranger):
        """One click on a row's IP: its comments in every status, nobody else's."""
        page = soup_of(moderator_client.get(CHANGELIST))
        link = page.select_one(f"tr:has(#desk-comment-{stranger.pk}) a[href*='q=127.0.0.10']")
        assert link.get_text(" ", strip=True).startswith("127.0.0.10")
        assert shown(moderator_client.get(link["href"])) == ids(stranger)

    def test_the_email_lists_every_comment_by_that_commenter(
        self, moderator_client, mayas, stranger
    ):
        """Found by the keyed hash: any case of her address, any status; the URL names a comment."""
        page = soup_of(moderator_client.get(CHANGELIST))
        link = page.select_one(f"tr:has(#desk-comment-{mayas[0].pk}) a.desk-email")
        assert link["href"] == f"{CHANGELIST}?{SAME_COMMENTER_VAR}={mayas[0].pk}"
        listed = moderator_client.get(link["href"])
        assert shown(listed) == ids(*mayas)
        assert "Every comment with the email of Maya" in listed.text

    @pytest.mark.parametrize("value", ["999999", "abc", "", "1 OR 1=1", "²"])
    def test_a_forged_commenter_filter_lists_nothing_and_never_fails(
        self, moderator_client, mayas, value
    ):
        response = moderator_client.get(CHANGELIST, {SAME_COMMENTER_VAR: value})
        assert response.status_code == 200
        assert shown(response) == set()

    def test_no_address_or_hash_is_in_any_url_of_the_queue(
        self, moderator_client, moderator, mayas, stranger
    ):
        """The attacker reads access logs, Referer headers and browser history: no address there."""
        secrets = {"maya@example.net", "maya%40example.net", "sam@example.org", "sam%40"}
        secrets |= {c.author_email_hash for c in Comment.objects.all()}
        for url in [CHANGELIST, f"{CHANGELIST}?status=all", f"{CHANGELIST}?q=Maya"]:
            page = soup_of(moderator_client.get(url))
            urls = [
                element.get(attribute)
                for attribute in ["href", "action", "formaction", "src"]
                for element in page.select(f"[{attribute}]")
            ]
            assert urls, "the page has links"
            assert not [u for u in urls if "@" in u or any(s.lower() in u.lower() for s in secrets)]


class TestBlock:
    def test_a_moderator_blocks_an_ip_in_one_step(self, moderator_client, moderator, stranger):
        """No superuser needed: the IP goes on the block list, the page says so, history too."""
        response = moderator_client.post(
            block_url(stranger, "ip"), {"next": CHANGELIST}, follow=True
        )
        assert messages_of(response) == [
            "127.0.0.10 is now on the block list: new comments with it go to spam."
        ]
        assert ModerationSettings.load().block_words == "127.0.0.10"
        [entry] = LogEntry.objects.filter(object_id="1", content_type__model="moderationsettings")
        assert entry.user == moderator
        assert "127.0.0.10" not in entry.get_change_message()

    def test_a_blocked_ip_sends_its_next_comments_to_spam_and_only_that_address(
        self, moderator_client, stranger, post_comment, comment_data
    ):
        """Whole addresses: 127.0.0.1 is not blocked by blocking 127.0.0.10."""
        moderator_client.post(block_url(stranger, "ip"))
        spam = posted(post_comment, comment_data, REMOTE_ADDR="127.0.0.10")
        assert spam.status == SPAM
        other = posted(post_comment, {**comment_data, "body": "Another."}, REMOTE_ADDR="127.0.0.1")
        assert other.status == PENDING

    def test_blocking_an_email_puts_it_on_the_list_without_repeating_it(
        self, moderator_client, mayas
    ):
        response = moderator_client.post(block_url(mayas[1], "email"), follow=True)
        [said] = messages_of(response)
        assert said == (
            "The email address of Maya is now on the block list: new comments with it go to spam."
        )
        assert ModerationSettings.load().block_words == "Maya@Example.NET"
        again = moderator_client.post(block_url(mayas[0], "email"), **JSON)
        assert again.json()["messages"] == [
            "The email address of Maya was on the block list already; nothing was changed."
        ]
        assert ModerationSettings.load().block_words == "Maya@Example.NET"
        blocked = CommentFactory.build(author_email="maya@example.net", ip_address="192.0.2.1")
        assert find_word(blocked, ["Maya@Example.NET"]) == "email"

    def test_the_rows_block_buttons_are_moderators_only(self, moderator_client, stranger):
        """Staff who may see comments but not moderate get no Block; a forged post is a 403."""
        page = soup_of(moderator_client.get(CHANGELIST))
        labels = [b.get_text(strip=True) for b in page.select("button[form=desk-block]")]
        assert labels == ["Block this IP address", "Block this email"]
        viewer = UserFactory(is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_comment"))
        client = logged_in(viewer)
        assert not soup_of(client.get(CHANGELIST)).select("button[form=desk-block]")
        refused = client.post(block_url(stranger, "ip"))
        assert refused.status_code == 403
        assert ModerationSettings.load().block_words == ""

    @pytest.mark.parametrize(
        ("method", "what", "status"), [("get", "ip", 405), ("post", "name", 404)]
    )
    def test_block_refuses_a_link_and_an_unknown_thing(
        self, moderator_client, stranger, method, what, status
    ):
        response = getattr(moderator_client, method)(block_url(stranger, what))
        assert response.status_code == status
        [said] = messages_of(response)
        assert said.endswith("Nothing was changed.")
        assert ModerationSettings.load().block_words == ""

    def test_a_comment_without_an_ip_has_nothing_to_block(self, moderator_client, seed_article):
        comment = CommentFactory(article=seed_article, status=PENDING, ip_address=None)
        response = moderator_client.post(block_url(comment, "ip"), **JSON)
        assert response.status_code == 409
        assert response.json()["messages"] == [
            "This comment has no IP address to block. Nothing was changed."
        ]


@pytest.mark.parametrize(
    ("entry", "ip", "blocked"),
    [
        ("203.0.113.1", "203.0.113.1", True),
        ("203.0.113.1", "203.0.113.10", False),
        ("203.0.113.0/24", "203.0.113.200", True),
        ("203.0.113.0/24", "203.0.114.1", False),
        ("2001:db8::/32", "2001:db8::1", True),
        ("203.0.113.", "203.0.113.99", True),  # Not an address: matched as text, as before.
    ],
)
def test_an_ip_on_a_list_matches_addresses_whole(entry, ip, blocked):
    comment = Comment(author_name="Kai", author_email="kai@example.org", body="Hi.", ip_address=ip)
    assert (find_word(comment, [entry]) == "IP address") is blocked


def test_the_help_says_how_ip_search_works(moderator_client):
    text = soup_of(moderator_client.get(CHANGELIST)).select_one("#searchbar_helptext").text
    assert re.search(r"a network, such as 203\.0\.113\.0/24, every address in it", text)
