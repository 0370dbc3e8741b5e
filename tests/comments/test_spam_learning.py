"""
The spam filter as moderators, readers and spammers meet it: every decision at
the desk teaches it at once, new comments are judged by it once it has learned
enough, it never reads an email address, and an erased commenter's comments
stop counting.
"""

import itertools

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.urls import reverse

from comments.models import Comment, ModerationSettings
from comments.moderation import change_status
from comments.posting.intake import HELD_FOR_MODERATION
from comments.spam_filter import judge_comment, sample_of
from spam import filter as spam_filter
from spam.models import Feature, FilterState, Lesson
from tests.comments.conftest import APPROVED, CHANGELIST, PENDING, REMOVED, SPAM
from tests.conftest import post_as, reader
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"

SPAM_TEXTS = [
    "Cheap replica watches, best prices, order now at https://watches{n}.example/shop",
    "Make $900 a day working from home!!! Click https://easy-cash{n}.example now",
    "Best online casino, 200 free spins bonus: https://spins{n}.example/bonus",
    "Buy followers and likes cheap, fast delivery https://followers{n}.example",
]
GENUINE_TEXTS = [
    "Stretching my calves before bed has helped, thank you for writing this ({n}).",
    "My physiotherapist said much the same about hydration and magnesium, note {n}.",
    "Does massage help with cramps in the arch of the foot as well? Day {n} of trying.",
    "I tried the towel stretch from your article and slept through the night, {n}.",
]


def spam_comment(n: int, **fields) -> Comment:
    spammer = {
        "status": PENDING,
        "body": SPAM_TEXTS[n % 4].format(n=n),
        "author_name": f"Best Deals {n}",
        "author_url": f"https://deals{n}.example",
        "user_agent": "python-requests/2.32",
    }
    return CommentFactory(**{**spammer, **fields})


def genuine_comment(n: int, **fields) -> Comment:
    reader_fields = {
        "status": PENDING,
        "body": GENUINE_TEXTS[n % 4].format(n=n),
        "author_name": f"Reader {n}",
        "user_agent": BROWSER,
    }
    return CommentFactory(**{**reader_fields, **fields})


def decide_at_the_desk(moderator, spam: int, genuine: int, start: int = 0) -> None:
    """Moderators mark ``spam`` comments as spam and approve ``genuine`` ones."""
    for n in range(start, start + spam):
        change_status(spam_comment(n), SPAM, by=moderator)
    for n in range(start, start + genuine):
        change_status(genuine_comment(n), APPROVED, by=moderator)


@pytest.fixture
def trained(moderator, settings):
    """A filter that has seen enough decisions of both kinds to act."""
    settings.SPAM_MIN_DECISIONS = 20
    decide_at_the_desk(moderator, spam=25, genuine=25)
    return moderator


def model() -> dict:
    """Everything the filter knows, to compare before and after."""
    state = FilterState.load()
    return {
        "totals": (state.spam, state.genuine),
        "features": sorted(Feature.objects.values_list("id", "spam", "genuine")),
    }


def lesson(comment: Comment) -> str | None:
    found = comment.spam_lessons.first()
    return found.label if found else None


def decide(client, comment: Comment, status: str, seen: str):
    url = reverse("admin:comments_comment_decide", args=[comment.pk, status])
    return client.post(url, {"seen": seen}, **JSON)


# Learning from each kind of decision -------------------------------------------


class TestLearningFromDecisions:
    def test_approving_at_the_desk_teaches_genuine(self, moderator_client):
        comment = genuine_comment(1)
        assert decide(moderator_client, comment, APPROVED, PENDING).status_code == 200
        assert lesson(comment) == "genuine"
        assert (FilterState.load().spam, FilterState.load().genuine) == (0, 1)

    def test_marking_spam_at_the_desk_teaches_spam(self, moderator_client):
        comment = spam_comment(1)
        decide(moderator_client, comment, SPAM, PENDING)
        assert lesson(comment) == "spam"

    def test_not_spam_teaches_genuine_at_once(self, trained, moderator_client):
        """A genuine comment wrongly in spam: "Not spam" teaches, and its like scores lower."""
        caught = CommentFactory(
            status=SPAM, body="Free advice: stretch your calves at night, it works!!!"
        )
        probe = sample_of(CommentFactory.build(body=caught.body))
        before = spam_filter.judge(probe).score
        assert decide(moderator_client, caught, PENDING, SPAM).status_code == 200
        assert lesson(caught) == "genuine"
        assert spam_filter.judge(probe).score < before

    def test_unapproving_takes_the_lesson_back(self, moderator_client, moderator):
        empty = model()
        comment = genuine_comment(2)
        change_status(comment, APPROVED, by=moderator)
        decide(moderator_client, comment, PENDING, APPROVED)
        assert lesson(comment) is None
        assert model() == empty

    def test_removing_keeps_what_was_taught(self, moderator_client, moderator):
        """A removal judges manners, not spam: removing spam keeps it learned as spam."""
        comment = spam_comment(3)
        change_status(comment, SPAM, by=moderator)
        taught = model()
        decide(moderator_client, comment, REMOVED, SPAM)
        assert lesson(comment) == "spam"
        assert model() == taught

    @pytest.mark.parametrize(("start", "decision"), [(PENDING, SPAM), (PENDING, APPROVED)])
    def test_undo_takes_back_what_the_decision_taught(
        self, moderator_client, moderator, start, decision
    ):
        """Decide, undo: the model is exactly as before the decision."""
        comment = genuine_comment(4, status=start)
        before = model()
        answer = decide(moderator_client, comment, decision, start).json()
        assert model() != before
        assert moderator_client.post(answer["undo"], **JSON).status_code == 200
        comment.refresh_from_db()
        assert comment.status == start
        assert model() == before

    def test_undoing_not_spam_confirms_it_as_spam(self, moderator_client):
        """Caught by the intake, "Not spam", undone: the moderator has said it is spam."""
        comment = genuine_comment(6, status=SPAM)
        answer = decide(moderator_client, comment, PENDING, SPAM).json()
        assert lesson(comment) == "genuine"
        moderator_client.post(answer["undo"], **JSON)
        assert lesson(comment) == "spam"

    def test_undo_of_a_change_of_mind_restores_the_earlier_lesson(
        self, moderator_client, moderator
    ):
        comment = genuine_comment(5)
        change_status(comment, APPROVED, by=moderator)
        approved = model()
        answer = decide(moderator_client, comment, SPAM, APPROVED).json()
        assert lesson(comment) == "spam"
        moderator_client.post(answer["undo"], **JSON)
        assert lesson(comment) == "genuine"
        assert model() == approved

    def test_a_bulk_action_teaches_every_comment_it_changed(self, moderator_client):
        comments = [spam_comment(n) for n in range(3)]
        data = {
            "action": "mark_as_spam",
            "index": "0",
            "_selected_action": [c.pk for c in comments],
        }
        moderator_client.post(f"{CHANGELIST}?status=all", data, follow=True)
        assert [lesson(comment) for comment in comments] == ["spam"] * 3

    def test_the_change_form_teaches(self, moderator_client):
        comment = spam_comment(7)
        url = reverse("admin:comments_comment_change", args=[comment.pk])
        data = {
            "status": SPAM,
            "body": comment.body,
            "author_name": comment.author_name,
            "author_url": comment.author_url,
        }
        assert moderator_client.post(url, data).status_code == 302
        assert lesson(comment) == "spam"

    def test_approve_and_reply_teaches_the_comment_and_not_the_sites_reply(self, moderator_client):
        comment = genuine_comment(8)
        url = reverse("admin:comments_comment_reply", args=[comment.pk])
        moderator_client.post(url, {"body": "Thank you!", "seen": PENDING}, **JSON)
        reply = Comment.objects.get(by_site=True)
        assert lesson(comment) == "genuine"
        assert lesson(reply) is None

    def test_a_comment_a_fixed_rule_held_is_learned_when_decided(
        self, post_comment, comment_data, moderator_client
    ):
        """Held for its links by the staff's rules, then marked as spam: the filter learns it."""
        comment_data["body"] = "Deals: https://a.example/1 https://b.example/2"
        post_comment(comment_data)
        comment = Comment.objects.get()
        assert comment.held_reason.startswith("It contains 2 links")
        decide(moderator_client, comment, SPAM, PENDING)
        assert lesson(comment) == "spam"

    def test_authors_changing_their_comment_teach_nothing(self, client, post_comment, comment_data):
        """Editing or withdrawing is the author's doing, not a moderator's decision."""
        post_comment(comment_data)
        comment = Comment.objects.get()
        client.post(reverse("comments:edit", args=[comment.pk]), {"body": "Changed words."})
        client.post(reverse("comments:withdraw", args=[comment.pk]))
        comment.refresh_from_db()
        assert comment.status == REMOVED
        assert not Lesson.objects.exists()


# Judging new comments --------------------------------------------------------------


def post_from_new_browser(article, data: dict, user_agent: str = BROWSER):
    client = reader()
    return post_as(client, article, data, HTTP_USER_AGENT=user_agent)


SPAM_POST = {
    "author_name": "Best Deals Online",
    "author_email": "offers@deals.example",
    "author_url": "https://deals99.example",
    "body": "Cheap replica watches, best prices, order now at https://watches99.example/shop",
}
GENUINE_POST = {
    "author_name": "Maya Okafor",
    "author_email": "maya@example.net",
    "author_url": "",
    "body": "Stretching my calves before bed has helped, thank you for writing this.",
}


class TestJudgingNewComments:
    def test_likely_spam_goes_to_spam_with_its_score(self, trained, seed_article):
        """A confident filter sends it to spam, saying "Looks like spam (NN%)."."""
        response = post_from_new_browser(seed_article, SPAM_POST, "python-requests/2.32")
        assert response.status_code == 302
        comment = Comment.objects.get(author_name="Best Deals Online")
        assert comment.status == SPAM
        percent = spam_filter.percent(comment.spam_score)
        assert comment.held_reason == f"Looks like spam ({percent}%)."
        assert percent >= 60

    def test_a_genuine_comment_is_left_to_the_rules(self, trained, seed_article):
        post_from_new_browser(seed_article, GENUINE_POST)
        comment = Comment.objects.get(author_name="Maya Okafor")
        assert comment.status == PENDING
        assert comment.held_reason == HELD_FOR_MODERATION
        assert comment.spam_score < 0.5

    def test_published_at_once_when_the_rules_say_so(self, trained, seed_article):
        ModerationSettings.objects.update_or_create(pk=1, defaults={"hold_all": False})
        post_from_new_browser(seed_article, GENUINE_POST)
        assert Comment.objects.get(author_name="Maya Okafor").status == APPROVED

    def test_a_doubtful_comment_is_held_with_its_score(self, trained, seed_article, settings):
        """Between the two thresholds: held with the score, even where the rules publish."""
        ModerationSettings.objects.update_or_create(pk=1, defaults={"hold_all": False})
        settings.SPAM_HOLD_THRESHOLD = 1
        settings.SPAM_THRESHOLD = 99.9999
        post_from_new_browser(seed_article, {**SPAM_POST, "body": "Order now, best prices."})
        comment = Comment.objects.get(author_name="Best Deals Online")
        assert comment.status == PENDING
        assert comment.held_reason == f"Might be spam ({spam_filter.percent(comment.spam_score)}%)."

    def test_a_block_word_still_decides_first(self, trained, seed_article):
        ModerationSettings.objects.update_or_create(pk=1, defaults={"block_words": "replica"})
        post_from_new_browser(seed_article, SPAM_POST)
        comment = Comment.objects.get(author_name="Best Deals Online")
        assert comment.held_reason == "Its text contains a blocked word."

    def test_a_filter_that_has_seen_little_sends_nothing_to_spam(
        self, moderator, seed_article, settings
    ):
        """Cold start: 19 spam decisions of 20 needed: the spam is only scored, never caught."""
        settings.SPAM_MIN_DECISIONS = 20
        decide_at_the_desk(moderator, spam=19, genuine=40)
        ModerationSettings.objects.update_or_create(pk=1, defaults={"hold_all": False})
        post_from_new_browser(seed_article, SPAM_POST, "python-requests/2.32")
        comment = Comment.objects.get(author_name="Best Deals Online")
        assert comment.spam_score > 0.9
        assert comment.status == APPROVED  # The rules alone decide, as before the filter.

    def test_an_empty_filter_never_sends_anything_to_spam(self, seed_article):
        post_from_new_browser(seed_article, SPAM_POST, "python-requests/2.32")
        comment = Comment.objects.get()
        assert comment.status == PENDING
        assert comment.held_reason == HELD_FOR_MODERATION
        assert comment.spam_score == 0.5

    def test_an_edit_is_judged_again(self, trained, client, seed_article):
        post_as(client, seed_article, GENUINE_POST, HTTP_USER_AGENT=BROWSER)
        comment = Comment.objects.get(author_name="Maya Okafor")
        client.post(reverse("comments:edit", args=[comment.pk]), {"body": SPAM_POST["body"]})
        comment.refresh_from_db()
        assert comment.spam_score > 0.7
        assert comment.status == SPAM


class TestNeverTheEmail:
    def test_the_sample_holds_nothing_of_the_email_or_ip(self):
        comment = CommentFactory(
            author_email="zebulon.q@private.example", ip_address="198.51.100.23", body="Hi"
        )
        sample = repr(sample_of(comment))
        assert "zebulon.q" not in sample and "private.example" not in sample
        assert "198.51.100.23" not in sample

    def test_an_address_spam_came_from_does_not_move_a_score(self, trained, seed_article):
        """
        An attacker who guesses a spammer's address learns nothing: the same comment
        scores the same under it and under any other, and meets the same verdict.
        """
        for n in range(5):
            change_status(
                spam_comment(100 + n, author_email="guessed@victim.example"), SPAM, by=trained
            )
        text = {**GENUINE_POST, "body": "Thanks, the towel stretch helped my cramps."}
        post_from_new_browser(seed_article, {**text, "author_email": "guessed@victim.example"})
        post_from_new_browser(seed_article, {**text, "author_email": "someone@else.example"})
        first, second = Comment.objects.filter(body=text["body"]).order_by("pk")
        assert first.spam_score == second.spam_score
        assert (first.status, first.held_reason) == (second.status, second.held_reason)


HOSTILE = [
    "Spasibo! Отличная статья. 很好的文章! ありがとう",
    "Buy chеаp vіаgrа",
    "c\u200bh\u200be\u200ba\u200bp",
    "casino " * 700,
    "https://a.example https://b.example",
    "😀🔥💯" * 30,
    "\u200b\u200c\u200d",
]


@pytest.mark.parametrize("body", HOSTILE)
def test_any_comment_is_scored_without_error(trained, seed_article, body):
    """Hostile texts through the real form: stored with a score, never a server error."""
    response = post_from_new_browser(seed_article, {**GENUINE_POST, "body": body})
    assert response.status_code in {302, 400}
    if response.status_code == 302:
        assert 0 <= Comment.objects.get(author_name="Maya Okafor").spam_score <= 1


# Erasure and rebuilding -------------------------------------------------------------


def test_erasing_a_commenter_takes_what_their_comments_taught_out_of_the_model(
    superuser_client, moderator
):
    """After the erase, the counts are exactly those without their comments; no lesson stays."""
    decide_at_the_desk(moderator, spam=3, genuine=3)
    without_them = model()
    theirs = [
        genuine_comment(50, author_email="maya@example.net"),
        spam_comment(51, author_email="Maya@Example.net"),
    ]
    change_status(theirs[0], APPROVED, by=moderator)
    change_status(theirs[1], SPAM, by=moderator)
    assert model() != without_them
    data = {"action": "erase_commenters_keep_text", "_selected_action": [theirs[0].pk]}
    superuser_client.post(f"{CHANGELIST}?status=all", data, follow=True)
    assert model() == without_them
    for comment in theirs:
        comment.refresh_from_db()
        assert lesson(comment) is None
        assert comment.spam_score is None and comment.spam_signals == []


def test_rebuild_command_learns_every_decision_again(moderator, capsys):
    decide_at_the_desk(moderator, spam=4, genuine=6)
    change_status(genuine_comment(9), PENDING, by=moderator)  # undecided: no lesson
    probes = [sample_of(spam_comment(90)), sample_of(genuine_comment(91))]
    before = [spam_filter.judge(probe).score for probe in probes]
    call_command("rebuild_spam_filter")
    assert "Learned 4 spam and 6 genuine comments" in capsys.readouterr().out
    assert [spam_filter.judge(probe).score for probe in probes] == pytest.approx(before)
    assert (FilterState.load().spam, FilterState.load().genuine) == (4, 6)


def test_rebuild_can_read_every_comment_again(moderator, capsys, monkeypatch):
    """--relearn, or a new version of the features, reads the comments under a new key."""
    decide_at_the_desk(moderator, spam=3, genuine=3)
    probe = sample_of(spam_comment(90))
    before = spam_filter.judge(probe).score
    key = bytes(FilterState.load().key)
    call_command("rebuild_spam_filter", "--relearn")
    assert bytes(FilterState.load().key) != key
    assert spam_filter.judge(probe).score == pytest.approx(before)
    key = bytes(FilterState.load().key)
    monkeypatch.setattr(spam_filter, "VERSION", 99)
    call_command("rebuild_spam_filter")
    assert bytes(FilterState.load().key) != key
    assert FilterState.load().version == 99


def test_rebuild_from_statuses_learns_imported_decisions_but_not_the_filters_own(moderator):
    """An imported blog's approved and spam comments; spam the intake caught was nobody's call."""
    CommentFactory(status=APPROVED, body="Imported and approved")
    CommentFactory(status=SPAM, body="Imported spam")
    CommentFactory(status=SPAM, body="Caught by the intake", held_reason="Looks like spam (90%).")
    CommentFactory(status=PENDING, body="Waiting")
    call_command("rebuild_spam_filter", "--statuses", stdout=None)
    state = FilterState.load()
    assert (state.spam, state.genuine) == (1, 1)


def test_rebuild_scores_held_comments_again(trained):
    held = CommentFactory(status=PENDING, body=SPAM_TEXTS[0].format(n=7), spam_score=None)
    call_command("rebuild_spam_filter", stdout=None)
    held.refresh_from_db()
    assert held.spam_score > 0.7


def test_a_deleted_comment_leaves_its_counts_and_takes_its_lesson(moderator):
    comment = spam_comment(60)
    change_status(comment, SPAM, by=moderator)
    taught = model()
    Comment.objects.filter(pk=comment.pk).delete()
    assert not Lesson.objects.exists()
    assert model() == taught


# The desk -------------------------------------------------------------------------------


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


class TestDesk:
    def test_each_comment_shows_its_score_and_what_weighed_most(self, trained, moderator_client):
        spammy = CommentFactory(status=SPAM, body=SPAM_TEXTS[2].format(n=3))
        judge_comment(spammy)
        spammy.save()
        page = moderator_client.get(f"{CHANGELIST}?status=spam")
        row = soup(page).select_one(f"#desk-comment-{spammy.pk}")
        score = row.select_one(".desk-spam").get_text(" ", strip=True)
        assert score == f"Spam score: {spam_filter.percent(spammy.spam_score)}% (likely spam)"
        signals = row.select_one(".desk-signals").get_text(" ", strip=True)
        assert signals.startswith("Spam-like:")
        assert "spam," in signals and "genuine)" in signals
        learning = soup(page).select_one(".desk-learning").get_text(strip=True)
        assert learning.startswith("The spam filter has learned from 25 spam and 25 genuine")

    def test_before_it_has_learned_enough_the_desk_says_so(self, moderator_client):
        page = moderator_client.get(CHANGELIST)
        learning = soup(page).select_one(".desk-learning").get_text(strip=True)
        assert "it only shows scores and decides nothing" in learning

    def test_likely_spam_filter_and_sort_by_score(self, moderator_client):
        scores = [0.1, 0.95, 0.6, None, 0.3]
        comments = [
            CommentFactory(status=PENDING, body=f"Comment {n}", spam_score=score)
            for n, score in enumerate(scores)
        ]
        page = moderator_client.get(f"{CHANGELIST}?spam=likely")
        shown = [int(row["data-comment-id"]) for row in soup(page).select(".desk-comment")]
        assert set(shown) == {comments[1].pk, comments[2].pk}
        header = soup(page).select_one("th.column-spam_score_column a")
        assert header is not None, "the score column sorts"
        by_score = moderator_client.get(CHANGELIST + header["href"])
        order = [int(row["data-comment-id"]) for row in soup(by_score).select(".desk-comment")]
        assert order == [comments[2].pk, comments[1].pk] or order == [
            comments[1].pk,
            comments[2].pk,
        ]
        # Sorted one way, then the other, by score.
        ranked = {c.pk: c.spam_score for c in comments}
        values = [ranked[pk] for pk in order]
        assert values == sorted(values) or values == sorted(values, reverse=True)

    def test_not_spam_has_its_own_key(self, moderator_client):
        caught = CommentFactory(status=SPAM)
        page = moderator_client.get(f"{CHANGELIST}?status=spam")
        keys = {
            button.find(string=True, recursive=False).strip(): button.get("aria-keyshortcuts")
            for button in soup(page).select(f"#desk-comment-{caught.pk} button[form=desk-decide]")
        }
        assert keys == {"Approve": "a", "Not spam": "n", "Remove": "d t"}
        help_text = soup(page).select_one("#desk-keys").get_text(" ", strip=True)
        assert "n Not spam" in help_text


def test_scores_follow_the_decisions_of_many_moderators_in_time_order(moderator):
    """Replaying decisions: a spam wave the desk marked is caught next time it comes."""
    for n in itertools.islice(itertools.count(), 30):
        change_status(genuine_comment(n), APPROVED, by=moderator)
    wave = "Get your crypto airdrop today, claim at https://airdrop.example/claim"
    before = spam_filter.judge(sample_of(CommentFactory.build(body=wave))).score
    for n in range(5):
        change_status(spam_comment(n, body=wave.replace("today", f"day {n}")), SPAM, by=moderator)
    after = spam_filter.judge(sample_of(CommentFactory.build(body=wave))).score
    assert before < 0.7 < after
