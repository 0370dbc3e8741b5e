"""
The filter: judge a sample, teach it, take a lesson back, rebuild from lessons.

The host app calls these with plain ``Sample``\\ s (spam/features.py) and the
objects they describe (a comment), which only serve to name each lesson.
Everything runs on this server, in the database: nothing is sent anywhere.

- ``judge``: a spam score from what was taught (two queries), with the clues
  that weighed most. Until ``SPAM_MIN_DECISIONS`` spam and as many
  genuine samples are taught, the judgement is not ``confident``: it shows a
  score and decides nothing (``is_spam`` and ``is_doubtful`` stay false).
- ``teach``: a decision on an object. What an earlier decision on the same
  object taught is taken back first, from the features it stored, so the
  counts always hold exactly one lesson per object, whatever changed since.
- ``take_back``: the object's lesson, gone from the counts (an unapproval,
  an undo, an erasure).
- ``rebuild``: forget everything, under a new key, and learn again.

Each sample counts once per feature and at most ``MAX_FEATURES`` features:
no comment, however long or repetitive, moves the counts by more than one.
"""

import functools
import hashlib
import struct
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import batched

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from spam.features import VERSION, Sample, describe, features
from spam.models import Feature, FilterState, Lesson, new_key
from spam.scorer import Clue, clues, combine

SPAM = Lesson.Label.SPAM
GENUINE = Lesson.Label.GENUINE
BATCH = 5000


def spam_threshold() -> float:
    """From this score a confident filter sends a comment to spam (SPAM_THRESHOLD, percent)."""
    return getattr(settings, "SPAM_THRESHOLD", 60) / 100


def hold_threshold() -> float:
    """From this score, below the one above, it holds it (SPAM_HOLD_THRESHOLD, percent)."""
    return getattr(settings, "SPAM_HOLD_THRESHOLD", 50) / 100


def min_decisions() -> int:
    """Decisions of each kind the filter needs before it acts (SPAM_MIN_DECISIONS)."""
    return getattr(settings, "SPAM_MIN_DECISIONS", 20)


def percent(score: float) -> int:
    """A score as a whole percentage; never 100, as the filter is never certain."""
    return min(int(score * 100 + 1e-9), 99)


@functools.lru_cache(maxsize=1 << 17)
def digest(key: bytes, feature: str) -> int:
    """A feature's keyed digest, 31 bits: what the database stores instead of its text."""
    raw = hashlib.blake2b(feature.encode("utf-8", "surrogatepass"), digest_size=4, key=key)
    return int.from_bytes(raw.digest(), "little") & 0x7FFFFFFF


def pack(ids: Iterable[int]) -> bytes:
    ids = sorted(set(ids))
    return struct.pack(f"<{len(ids)}i", *ids)


def unpack(data: bytes | memoryview) -> list[int]:
    data = bytes(data)
    return list(struct.unpack(f"<{len(data) // 4}i", data))


@dataclass(frozen=True)
class Judgement:
    """What the filter thinks of a sample, and why."""

    score: float
    clues: list[Clue] = field(default_factory=list)
    spam_taught: int = 0
    genuine_taught: int = 0

    @property
    def confident(self) -> bool:
        """Whether it has been taught enough of both kinds to act on its own."""
        needed = min_decisions()
        return self.spam_taught >= needed and self.genuine_taught >= needed

    @property
    def is_spam(self) -> bool:
        return self.confident and self.score >= spam_threshold()

    @property
    def is_doubtful(self) -> bool:
        return self.confident and hold_threshold() <= self.score < spam_threshold()

    @property
    def percent(self) -> int:
        return percent(self.score)

    def signals(self, count: int = 5) -> list[dict]:
        """The clues that weighed most, in words, with the decisions behind each."""
        return [
            {
                "label": describe(clue.key),
                "lean": round(clue.probability, 3),
                "spam": clue.spam,
                "genuine": clue.genuine,
            }
            for clue in self.clues[:count]
        ]


def judge(sample: Sample) -> Judgement:
    """The filter's judgement of a sample: two queries, nothing written."""
    return judge_many([sample])[0]


def judge_many(samples: list[Sample]) -> list[Judgement]:
    """The judgements of many samples, from one read of the counts they need."""
    state = FilterState.load()
    key = bytes(state.key)
    named = [{name: digest(key, name) for name in features(sample)} for sample in samples]
    wanted = sorted(set().union(*(ids.values() for ids in named)))
    rows: dict[int, tuple[int, int]] = {}
    for chunk in batched(wanted, 2000, strict=False):
        found = Feature.objects.filter(id__in=chunk).values_list("id", "spam", "genuine")
        rows.update((row_id, (spam, genuine)) for row_id, spam, genuine in found)
    judgements = []
    for ids in named:
        counts = {name: rows.get(row_id, (0, 0)) for name, row_id in ids.items()}
        found = clues(counts, state.spam, state.genuine)
        judgements.append(
            Judgement(
                score=combine([clue.probability for clue in found]),
                clues=found,
                spam_taught=state.spam,
                genuine_taught=state.genuine,
            )
        )
    return judgements


def state() -> FilterState:
    """The filter's totals, for the desk to say how much it has learned."""
    return FilterState.load()


def lesson_of(source: models.Model) -> Lesson | None:
    content_type = ContentType.objects.get_for_model(source)
    return Lesson.objects.filter(content_type=content_type, object_id=source.pk).first()


def _count(state: FilterState, label: str, ids: list[int], step: int) -> None:
    """Add (step 1) or take back (-1) one sample's features under ``label``."""
    column = "spam" if label == SPAM else "genuine"
    if step > 0:
        Feature.objects.bulk_create([Feature(id=row_id) for row_id in ids], ignore_conflicts=True)
        Feature.objects.filter(id__in=ids).update(**{column: F(column) + 1})
    else:
        rows = Feature.objects.filter(id__in=ids, **{f"{column}__gt": 0})
        rows.update(**{column: F(column) - 1})
        Feature.objects.filter(id__in=ids, spam=0, genuine=0).delete()
    setattr(state, column, max(getattr(state, column) + step, 0))


def teach(source: models.Model, sample: Sample, label: str) -> None:
    """
    Learn that ``source``, described by ``sample``, is spam or genuine.

    Its earlier lesson, if any, is taken back first; the same lesson again
    changes nothing.
    """
    with transaction.atomic():
        state = FilterState.load(for_update=True)
        ids = sorted({digest(bytes(state.key), name) for name in features(sample)})
        content_type = ContentType.objects.get_for_model(source)
        lesson = (
            Lesson.objects.select_for_update()
            .filter(content_type=content_type, object_id=source.pk)
            .first()
        )
        if lesson and lesson.label == label and unpack(lesson.features) == ids:
            return
        if lesson:
            _count(state, lesson.label, unpack(lesson.features), -1)
        _count(state, label, ids, 1)
        Lesson.objects.update_or_create(
            content_type=content_type,
            object_id=source.pk,
            defaults={"label": label, "features": pack(ids), "taught_at": timezone.now()},
        )
        state.save(update_fields=["spam", "genuine"])


def take_back(sources: Iterable[models.Model]) -> int:
    """Take back what the lessons of these objects taught, and forget them; how many."""
    sources = list(sources)
    if not sources:
        return 0
    with transaction.atomic():
        state = FilterState.load(for_update=True)
        content_type = ContentType.objects.get_for_model(sources[0])
        lessons = list(
            Lesson.objects.select_for_update().filter(
                content_type=content_type, object_id__in=[source.pk for source in sources]
            )
        )
        for lesson in lessons:
            _count(state, lesson.label, unpack(lesson.features), -1)
        Lesson.objects.filter(pk__in=[lesson.pk for lesson in lessons]).delete()
        state.save(update_fields=["spam", "genuine"])
    return len(lessons)


def lessons(model: type[models.Model]) -> list[tuple[int, str, datetime]]:
    """Every lesson about objects of this model, in the order taught: (id, label, when)."""
    content_type = ContentType.objects.get_for_model(model)
    return list(
        Lesson.objects.filter(content_type=content_type)
        .order_by("taught_at", "pk")
        .values_list("object_id", "label", "taught_at")
    )


@dataclass(frozen=True)
class Taught:
    """One lesson to learn again in a rebuild: about which object, what, and when taught."""

    model: type[models.Model]
    object_id: int
    label: str
    sample: Sample
    taught_at: datetime


@dataclass(frozen=True)
class Rebuilt:
    spam: int
    genuine: int
    features: int


def rebuild(taught: Iterable[Taught]) -> Rebuilt:
    """
    Forget every count and lesson, then learn ``taught`` again, under a new key.

    One transaction: a rebuild that fails leaves the filter as it was. The
    counts are summed in memory and written with plain multi-row inserts, so
    100,000 lessons take seconds (``make bench-spam``).
    """
    with transaction.atomic():
        state = FilterState.load(for_update=True)
        state.key = key = new_key()
        totals: dict[str, Counter] = {SPAM: Counter(), GENUINE: Counter()}
        taught_count = Counter()
        Lesson.objects.all().delete()
        Feature.objects.all().delete()
        content_types: dict[type, int] = {}
        when = connection.ops.adapt_datetimefield_value
        known: dict[str, int] = {}  # Each feature's digest, computed once.
        for batch in batched(taught, BATCH, strict=False):
            rows = []
            for item in batch:
                ids = set()
                for name in features(item.sample):
                    if (row_id := known.get(name)) is None:
                        row_id = known[name] = digest(key, name)
                    ids.add(row_id)
                totals[item.label].update(ids)
                taught_count[item.label] += 1
                if item.model not in content_types:
                    content_types[item.model] = ContentType.objects.get_for_model(item.model).pk
                rows.append(
                    (
                        content_types[item.model],
                        item.object_id,
                        item.label,
                        pack(ids),
                        when(item.taught_at),
                    )
                )
            insert(Lesson, ["content_type_id", "object_id", "label", "features", "taught_at"], rows)
        vocabulary = sorted(totals[SPAM].keys() | totals[GENUINE].keys())
        rows = [(row_id, totals[SPAM][row_id], totals[GENUINE][row_id]) for row_id in vocabulary]
        insert(Feature, ["id", "spam", "genuine"], rows)
        state.spam, state.genuine = taught_count[SPAM], taught_count[GENUINE]
        state.rebuilt_at = timezone.now()
        state.version = VERSION
        state.save()
    return Rebuilt(state.spam, state.genuine, len(vocabulary))


def needs_relearning() -> bool:
    """Whether the lessons were read by another version of the features than this one."""
    return FilterState.load().version != VERSION


def recount() -> Rebuilt:
    """
    Count every recorded lesson again, from the digests each one keeps: the
    counts exactly as the lessons say, without reading a comment (after a
    restore, or to check the counts). Same key, same features version.
    """
    with transaction.atomic():
        state = FilterState.load(for_update=True)
        totals: dict[str, Counter] = {SPAM: Counter(), GENUINE: Counter()}
        taught_count = Counter()
        lessons = Lesson.objects.values_list("label", "features").iterator(chunk_size=BATCH)
        for label, packed in lessons:
            totals[label].update(unpack(packed))
            taught_count[label] += 1
        Feature.objects.all().delete()
        vocabulary = sorted(totals[SPAM].keys() | totals[GENUINE].keys())
        rows = [(row_id, totals[SPAM][row_id], totals[GENUINE][row_id]) for row_id in vocabulary]
        insert(Feature, ["id", "spam", "genuine"], rows)
        state.spam, state.genuine = taught_count[SPAM], taught_count[GENUINE]
        state.rebuilt_at = timezone.now()
        state.save()
    return Rebuilt(state.spam, state.genuine, len(vocabulary))


def insert(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    """
    Plain INSERTs of many rows, without building a model instance for each.

    Several rows per statement, under every database's limit on parameters.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    per_statement = max(1, 900 // len(columns))
    with connection.cursor() as cursor:
        for chunk in batched(rows, per_statement, strict=False):
            marks = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
            values = [value for row in chunk for value in row]
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {marks}", values)  # noqa: S608
