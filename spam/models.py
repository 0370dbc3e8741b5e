"""
What the filter keeps: counts per feature, its totals, and what each decision taught.

- ``Feature``: for each feature ever taught, how many spam and how many
  genuine samples had it. Named by a keyed digest (``FilterState.key``), never
  by its text: the table lists no word, domain or name. One row per feature:
  the model grows with the vocabulary, not with the number of comments, and a
  row whose counts fall to zero is deleted.
- ``FilterState``: one row; how many spam and genuine samples were taught, and
  the key of the digests.
- ``Lesson``: what one decision taught about one object (a comment): its
  label and the digests of its features, so that a later decision, an undo or
  an erasure takes back exactly what was added, even after the object changed.
  Deleted with its object (the counts it added stay, as statistics).
"""

import secrets

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


def new_key() -> bytes:
    return secrets.token_bytes(16)


class FilterState(models.Model):
    """The filter's totals and the key of its digests: one row."""

    spam = models.PositiveIntegerField("spam samples taught", default=0)
    genuine = models.PositiveIntegerField("genuine samples taught", default=0)
    # A new key with each rebuild: digests of an earlier model mean nothing after it.
    key = models.BinaryField(max_length=16, default=new_key, editable=False)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    # spam.features.VERSION the lessons were read with: another one means learning again.
    version = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = "spam filter"
        verbose_name_plural = "spam filter"

    def __str__(self) -> str:
        return f"Spam filter ({self.spam} spam, {self.genuine} genuine)"

    @classmethod
    def load(cls, *, for_update: bool = False) -> "FilterState":
        """The one row, created the first time it is asked for."""
        rows = cls.objects.select_for_update() if for_update else cls.objects
        state = rows.filter(pk=1).first()
        if state is None:
            state, _ = cls.objects.get_or_create(pk=1)
            if for_update:
                state = cls.objects.select_for_update().get(pk=1)
        return state


class Feature(models.Model):
    """How many spam and genuine samples had one feature, named by its keyed digest."""

    # A 31-bit digest: collisions among a few hundred thousand features are a handful,
    # and each merges two rare features, which the scorer shrugs off.
    id = models.IntegerField(primary_key=True)
    spam = models.PositiveIntegerField(default=0)
    genuine = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Feature {self.id}: {self.spam} spam, {self.genuine} genuine"


class Lesson(models.Model):
    """What the last decision on one object taught the filter."""

    class Label(models.TextChoices):
        SPAM = "spam", "Spam"
        GENUINE = "genuine", "Genuine"

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    source = GenericForeignKey("content_type", "object_id")
    label = models.CharField(max_length=7, choices=Label)
    # The digests taught, packed (spam/filter.py); never the text.
    features = models.BinaryField()
    taught_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="one_lesson")
        ]
        indexes = [models.Index(fields=["taught_at"])]

    def __str__(self) -> str:
        return f"{self.get_label_display()}: {self.content_type.model} {self.object_id}"
