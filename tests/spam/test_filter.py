"""
The filter's counts as the database keeps them: taught, taken back, replaced,
rebuilt, and judged, with any model's objects as the things lessons are about
(here users' groups: the filter knows nothing of comments).
"""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from spam import filter as spam_filter
from spam.features import MAX_FEATURES, Sample
from spam.models import Feature, FilterState, Lesson
from spam.scorer import combine, probability

pytestmark = pytest.mark.django_db

SPAMMY = [
    "Cheap pills, no prescription: https://pills{n}.example/buy now!!!",
    "Earn $500 a day from home, click https://cash{n}.example",
    "Best casino bonus {n} free spins at https://casino{n}.example",
]
GENUINE = [
    "The stretches before bed helped my calves, thank you ({n}).",
    "My physio said the same about magnesium; it did little for me, item {n}.",
    "Does this work for cramps at night too? Asking for my mother, day {n}.",
]


def source(name: str) -> Group:
    return Group.objects.create(name=name)


def counts() -> dict[int, tuple[int, int]]:
    """The whole model: every feature's counts, and the totals under id -1."""
    state = FilterState.load()
    rows = {row.id: (row.spam, row.genuine) for row in Feature.objects.all()}
    return {**rows, -1: (state.spam, state.genuine)}


def teach_many(count: int, *, offset: int = 0) -> None:
    """``count`` spam and ``count`` genuine samples, each about its own object."""
    for n in range(offset, offset + count):
        spam_filter.teach(source(f"s{n}"), Sample(SPAMMY[n % 3].format(n=n)), spam_filter.SPAM)
        spam_filter.teach(source(f"g{n}"), Sample(GENUINE[n % 3].format(n=n)), spam_filter.GENUINE)


def test_taking_lessons_back_leaves_the_counts_exactly_as_they_were():
    """Teach, then take back: not a count, not a row of the model differs."""
    teach_many(5)
    before = counts()
    late = [source("late-1"), source("late-2")]
    spam_filter.teach(late[0], Sample("Win a free iPhone at https://x.example"), "spam")
    spam_filter.teach(late[1], Sample("Lovely article, thanks."), "genuine")
    assert counts() != before
    assert spam_filter.take_back(late) == 2
    assert counts() == before
    assert not Lesson.objects.filter(object_id__in=[group.pk for group in late]).exists()


def test_the_same_lesson_again_changes_nothing():
    group = source("once")
    spam_filter.teach(group, Sample("Cheap pills"), "spam")
    before = counts()
    spam_filter.teach(group, Sample("Cheap pills"), "spam")
    assert counts() == before


def test_a_new_decision_replaces_what_the_earlier_one_taught():
    """Spam, then genuine: the object counts once, as genuine, with no trace of the spam."""
    group = source("changed mind")
    spam_filter.teach(group, Sample("Thanks for the tips"), "spam")
    spam_filter.teach(group, Sample("Thanks for the tips"), "genuine")
    state = FilterState.load()
    assert (state.spam, state.genuine) == (0, 1)
    assert not Feature.objects.filter(spam__gt=0).exists()
    assert Lesson.objects.get().label == "genuine"


def test_the_lesson_taken_back_is_the_one_taught_even_if_the_object_changed_since():
    """Lessons keep the features they added: a text edited since is taken back exactly."""
    group = source("edited")
    empty = counts()
    spam_filter.teach(group, Sample("The first text, with https://a.example"), "spam")
    spam_filter.teach(group, Sample("An edited text that shares no word"), "genuine")
    spam_filter.take_back([group])
    assert counts() == empty


def test_one_sample_moves_each_count_by_one_at_most():
    """Ten thousand times one word, or a huge text: one sample, each feature counted once."""
    spam_filter.teach(source("flood"), Sample("casino " * 10_000), "spam")
    spam_filter.teach(source("huge"), Sample(" ".join(f"w{n}" for n in range(20_000))), "spam")
    assert max(Feature.objects.values_list("spam", flat=True)) <= 2
    assert Feature.objects.count() <= 2 * MAX_FEATURES


def test_the_model_grows_with_the_vocabulary_not_with_the_number_of_comments():
    """Two hundred samples saying the same six things keep as many rows as six of them."""
    teach_many(2)
    rows = Feature.objects.count()
    for n in range(200):
        text = SPAMMY[n % 2].format(n=n % 2) if n % 3 else GENUINE[n % 2].format(n=n % 2)
        spam_filter.teach(source(f"again-{n}"), Sample(text), "spam" if n % 3 else "genuine")
    assert Feature.objects.count() == rows


def test_judging_reads_two_queries_and_writes_nothing():
    teach_many(3)
    with CaptureQueriesContext(connection) as queries:
        judgement = spam_filter.judge(Sample("Cheap pills at https://pills.example"))
    assert len(queries) == 2
    assert all(query["sql"].startswith("SELECT") for query in queries)
    assert judgement.score > 0.9


def test_a_filter_that_has_seen_little_decides_nothing(settings):
    """Under the minimum of either kind it scores, but calls nothing spam or doubtful."""
    settings.SPAM_MIN_DECISIONS = 20
    teach_many(19)
    judgement = spam_filter.judge(Sample(SPAMMY[0].format(n=99)))
    assert judgement.score > 0.9
    assert not judgement.confident
    assert not judgement.is_spam and not judgement.is_doubtful
    teach_many(1, offset=19)
    judgement = spam_filter.judge(Sample(SPAMMY[0].format(n=99)))
    assert judgement.confident and judgement.is_spam


def test_an_empty_filter_is_unsure_of_everything():
    judgement = spam_filter.judge(Sample("Anything at all https://x.example"))
    assert judgement.score == 0.5
    assert not judgement.confident
    assert judgement.signals() == []


def test_rebuild_learns_the_same_again_under_a_new_key():
    """Same lessons, same scores; every digest changes with the key."""
    teach_many(6)
    probes = [Sample(SPAMMY[1].format(n=50)), Sample(GENUINE[2].format(n=50)), Sample("Hm.")]
    scores = [spam_filter.judge(probe).score for probe in probes]
    key, ids = bytes(FilterState.load().key), set(Feature.objects.values_list("id", flat=True))

    def sample_of(name: str) -> Sample:
        texts = SPAMMY if name.startswith("s") else GENUINE
        return Sample(texts[int(name[1:]) % 3].format(n=int(name[1:])))

    names = dict(Group.objects.values_list("pk", "name"))
    taught = [
        spam_filter.Taught(Group, object_id, label, sample_of(names[object_id]), when)
        for object_id, label, when in spam_filter.lessons(Group)
    ]
    rebuilt = spam_filter.rebuild(taught)
    assert (rebuilt.spam, rebuilt.genuine) == (6, 6)
    assert [spam_filter.judge(probe).score for probe in probes] == pytest.approx(scores)
    assert bytes(FilterState.load().key) != key
    assert not ids & set(Feature.objects.values_list("id", flat=True))


def test_the_tables_hold_no_text():
    """No word, domain or name taught is in any row: features are keyed digests."""
    secret = "Zebulon whispered quackenbush at https://private-site.example"
    spam_filter.teach(
        source("secret"), Sample(secret, name="Zebulon Q", website="zq.example"), "spam"
    )
    with connection.cursor() as cursor:
        dumped = []
        for table in ["spam_feature", "spam_filterstate", "spam_lesson"]:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            dumped += [repr(row) for row in cursor.fetchall()]
    text = " ".join(dumped).lower()
    for word in ["zebulon", "quackenbush", "whispered", "private-site", "zq.example"]:
        assert word not in text
        assert word.encode().hex() not in text


def test_a_rare_genuine_word_does_not_look_like_spam_where_spam_is_rare():
    """Counts are taken relative to their class: one genuine use among many is no spam sign."""
    assert probability(spam=0, genuine=1, spam_total=10, genuine_total=1000) < 0.5
    assert probability(spam=5, genuine=0, spam_total=10, genuine_total=1000) > 0.9


def test_conflicting_evidence_is_unsure():
    assert combine([0.99, 0.01]) == pytest.approx(0.5, abs=0.01)
    assert combine([0.99] * 5) > 0.99
    assert combine([0.01] * 5) < 0.01
    assert combine([0.99] * 2000) <= 1.0  # no overflow with many clues
