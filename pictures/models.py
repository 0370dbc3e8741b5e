"""
A picture: its alt text, its cleaned original and the sizes made from it.

The files live in Django's default storage (the filesystem, or an S3-compatible
store by configuration) under names that carry a hash of the content, so they
can be cached for good; a row records each file's name, size and format, and
nothing of what the uploaded file said about itself.
"""

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.urls import reverse


class Picture(models.Model):
    ALT_REQUIRED = (
        "Describe the picture for readers who cannot see it, or tick “decorative” "
        "if it adds nothing to the text."
    )

    title = models.CharField(
        max_length=200, blank=True, help_text="For you, in the admin; readers do not see it."
    )
    alt = models.CharField(
        "alt text",
        max_length=500,
        blank=True,
        help_text="What the picture shows, for readers who cannot see it. Required unless "
        "the picture is decorative.",
    )
    decorative = models.BooleanField(
        default=False,
        help_text="Tick only if the picture adds nothing to the text: it gets an empty alt.",
    )
    caption = models.CharField(max_length=500, blank=True)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    format = models.CharField(max_length=10, editable=False)
    digest = models.CharField(
        max_length=64, unique=True, editable=False, help_text="SHA-256 of the cleaned original."
    )
    original = models.CharField(max_length=300, editable=False, help_text="Storage name.")
    # [{"name", "width", "height", "format"}, …], narrowest first.
    sizes = models.JSONField(default=list, editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.title or self.alt or f"Picture {self.pk}"

    def clean(self) -> None:
        if not self.decorative and not self.alt.strip():
            raise ValidationError(
                {
                    "alt": "Describe the picture for readers who cannot see it, or tick "
                    "“decorative” if it adds nothing to the text."
                }
            )

    def has_alt(self) -> bool:
        """Whether the picture may appear on a page: it has alt text, or is decorative."""
        return self.decorative or bool(self.alt.strip())

    @property
    def reference(self) -> str:
        """What to type in an article's Markdown to place this picture."""
        return f"![{self.alt.replace(']', '')}](picture:{self.pk})"

    @property
    def url(self) -> str:
        return default_storage.url(self.original)

    @property
    def preview_url(self) -> str:
        """A size fit for link previews (og:image): the widest in the original's format."""
        own = [size for size in self.sizes if size["format"] == self.format]
        widest = max(own, key=lambda size: size["width"], default=None)
        return default_storage.url(widest["name"]) if widest else self.url

    def files(self) -> list[str]:
        """Every storage name of this picture's files."""
        return [self.original, *(size["name"] for size in self.sizes)]

    def get_admin_url(self) -> str:
        return reverse("admin:pictures_picture_change", args=[self.pk])
