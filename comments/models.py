from urllib.parse import urlsplit

from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from comments.avatars import Avatar, avatar_for


class CommentQuerySet(models.QuerySet):
    def approved(self) -> "CommentQuerySet":
        """What the public may read."""
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self) -> "CommentQuerySet":
        """What waits for a moderator."""
        return self.filter(status=Comment.Status.PENDING)

    def held(self) -> "CommentQuerySet":
        """Not public, but still to be reviewed: pending, or caught as spam."""
        return self.filter(status__in=[Comment.Status.PENDING, Comment.Status.SPAM])

    def by_email(self, email: str) -> "CommentQuerySet":
        """
        Comments left with this address, whatever its case.

        The one place that looks comments up by email, so that how addresses are
        stored can change without touching its callers.
        """
        return self.filter(author_email__iexact=email.strip())


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"

    article = models.ForeignKey("blog.Article", on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        help_text="The comment this one answers, if any.",
    )
    depth = models.PositiveSmallIntegerField(
        default=1, editable=False, help_text="1 for a comment, 2 for a reply to it, and so on."
    )
    author_name = models.CharField("name", max_length=100)
    author_email = models.EmailField("email", max_length=254, help_text="Never shown in public.")
    author_url = models.URLField("website", max_length=200, blank=True)
    body = models.TextField("comment", help_text="Plain text; shown with its line breaks.")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField("time", default=timezone.now)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    held_reason = models.CharField(
        "why held", max_length=200, blank=True, help_text="Which rule held this comment."
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["article", "status", "created_at"])]
        permissions = [("can_moderate", "Can moderate comments")]

    def __str__(self) -> str:
        return f"Comment by {self.author_name} on {self.article}"

    def save(self, *args, **kwargs) -> None:
        self.depth = self.parent.depth + 1 if self.parent else 1
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{self.article.get_absolute_url()}#comment-{self.pk}"

    @cached_property
    def avatar(self) -> Avatar:
        return avatar_for(self.author_name, self.author_email)

    @property
    def safe_url(self) -> str:
        """The author's website if it is a web address; never javascript: or the like."""
        if urlsplit(self.author_url).scheme.lower() in {"http", "https"}:
            return self.author_url
        return ""

    def is_approved(self) -> bool:
        """Instance twin of ``CommentQuerySet.approved()``."""
        return self.status == self.Status.APPROVED
