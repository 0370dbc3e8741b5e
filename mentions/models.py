"""
Other pages that link to an article, and the Webmentions on their way in and out.

- ``Mention``: a pingback or trackback imported from WordPress, or a verified
  Webmention; held until a moderator approves it, then shown under "Mentioned
  elsewhere". What is kept of the other page: its address, its name, its
  author's name and a text excerpt, nothing else (no avatar, no email).
- ``Received``: a Webmention accepted by the endpoint (202) and not yet
  verified. A queue row only: it is deleted once verified, whatever the
  outcome, so a refused mention leaves nothing behind.
- ``Outgoing``: one Webmention the site sends for one of its articles to one
  page it links to, kept until it is sent (the outbox, as for emails).
"""

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from blog.models import Article
from comments.models import Comment, discussion_changed, web_address_or_blank

URL_LENGTH = 500


class MentionQuerySet(models.QuerySet):
    def approved(self) -> "MentionQuerySet":
        """What the public may read."""
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self) -> "MentionQuerySet":
        """What waits for a moderator."""
        return self.filter(status=Comment.Status.PENDING)

    def update(self, **kwargs) -> int:
        """As QuerySet.update(), marking the articles whose public mentions it changes."""
        public = self if kwargs.get("status") == Comment.Status.APPROVED else self.approved()
        articles = set(public.order_by().values_list("article_id", flat=True).distinct())
        count = super().update(**kwargs)
        discussion_changed(articles)
        return count


class Mention(models.Model):
    """Another page that linked to an article, shown apart from the comments once approved."""

    class Kind(models.TextChoices):
        PINGBACK = "pingback", "Pingback"
        TRACKBACK = "trackback", "Trackback"
        WEBMENTION = "webmention", "Webmention"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="mentions")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.PINGBACK)
    title = models.CharField(max_length=200, help_text="The linking page's name.")
    url = models.URLField("address", max_length=URL_LENGTH, blank=True)
    author_name = models.CharField(
        "author",
        max_length=100,
        blank=True,
        help_text="Its author's name, as the page's h-entry gives it.",
    )
    excerpt = models.TextField(blank=True, help_text="What the linking page said, as text.")
    status = models.CharField(max_length=10, choices=Comment.Status, default=Comment.Status.PENDING)
    created_at = models.DateTimeField("time", default=timezone.now)
    verified_at = models.DateTimeField(
        "last verified",
        null=True,
        blank=True,
        help_text="When the site last fetched the page and found the link (Webmentions).",
    )

    objects = MentionQuerySet.as_manager()

    class Meta:
        # The table the WordPress app created, kept with its rows when the model moved here.
        db_table = "wordpress_mention"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "url"],
                condition=models.Q(kind="webmention"),
                name="one_webmention_per_source_and_article",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.title} on {self.article}"

    @property
    def safe_url(self) -> str:
        """The address if it is a web address; never javascript: or the like."""
        return web_address_or_blank(self.url)

    def is_approved(self) -> bool:
        """Instance twin of ``MentionQuerySet.approved()``."""
        return self.status == Comment.Status.APPROVED

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        mention = super().from_db(db, field_names, values, **kwargs)
        # Whether readers could see it as loaded, to tell whether saving changes that.
        mention._was_public = mention.__dict__.get("status") == Comment.Status.APPROVED
        return mention


# Connected when Django loads this app's models; no ready() import is needed.
@receiver(post_save, sender=Mention)
@receiver(post_delete, sender=Mention)
def mention_changed(sender, instance: Mention, **kwargs) -> None:
    """An approved mention is on the article page: changing it, or from it, is a public change."""
    if instance.is_approved() or getattr(instance, "_was_public", False):
        discussion_changed([instance.article_id])
    instance._was_public = instance.is_approved()


class Task(models.Model):
    """What a queued piece of outbound work shares: its state, its attempts, its lease."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        WORKING = "working", "Being done"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Not needed any more"

    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField("next attempt", default=timezone.now)
    # When a task for it was last handed to the queue, and when a worker took it.
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField("why it failed", max_length=200, blank=True)

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["status", "due_at"])]


class Received(Task):
    """A Webmention the endpoint accepted, waiting for its source to be fetched and read."""

    source = models.URLField(max_length=URL_LENGTH)
    target = models.URLField(max_length=URL_LENGTH)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")

    class Meta(Task.Meta):
        verbose_name = "Webmention being verified"
        verbose_name_plural = "Webmentions being verified"
        constraints = [
            # A mention sent again before it was verified is verified once.
            models.UniqueConstraint(
                fields=["source", "article"], name="one_verification_per_source_and_article"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class Outgoing(Task):
    """A Webmention this site sends: one article told to one page it links to (or linked to)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    target = models.URLField("page linked to", max_length=2000)
    endpoint = models.URLField("its Webmention endpoint", max_length=2000, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answer = models.PositiveSmallIntegerField("endpoint's answer", null=True, blank=True)
    # What the article looked like when this was last queued: an unchanged article is not
    # announced again.
    article_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta(Task.Meta):
        verbose_name = "Webmention sent"
        verbose_name_plural = "Webmentions sent"
        constraints = [
            models.UniqueConstraint(
                fields=["article", "target"], name="one_outgoing_webmention_per_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article} → {self.target}"
