"""
What an import remembers, and the pingbacks and trackbacks it brought.

An imported post or comment is known by its WordPress site and its id there,
never by its id alone: two blogs can be moved into this one. The mapping lives
in tables of its own rather than in fields of articles and comments: it holds
what old links need (the post's old address and name), stays out of the rows
every page reads, and outlives what it points to (``SET_NULL``): an article or
comment deleted here is not brought back by a later import of the same site.
"""

from urllib.parse import urlsplit

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from blog.models import Article
from comments.models import Comment, discussion_changed, web_address_or_blank


class WordPressSite(models.Model):
    url = models.URLField(
        "WordPress address",
        max_length=200,
        unique=True,
        help_text="The blog's address as its export names it (wp:base_blog_url).",
    )
    address = models.URLField(
        "old links' address",
        max_length=200,
        help_text="Where its old links point (import_wordpress --old-url, or the address "
        "above); requests for them are redirected to the articles here.",
    )
    imported_at = models.DateTimeField("first imported", default=timezone.now)

    class Meta:
        verbose_name = "WordPress site"

    def __str__(self) -> str:
        return self.url

    @property
    def base_path(self) -> str:
        """The path the old blog lived under ("" at the root, "/blog" in a folder)."""
        return urlsplit(self.address).path.rstrip("/")


class ImportedPost(models.Model):
    site = models.ForeignKey(WordPressSite, on_delete=models.CASCADE, related_name="posts")
    wp_id = models.PositiveBigIntegerField("WordPress id")
    wp_type = models.CharField("WordPress type", max_length=20, default="post")
    wp_slug = models.CharField(
        "WordPress name", max_length=200, blank=True, db_index=True, help_text="wp:post_name."
    )
    old_path = models.CharField(
        "old path",
        max_length=500,
        blank=True,
        db_index=True,
        help_text="Its permalink on the old site, under the site's path, without slashes "
        "at the ends, lowercase.",
    )
    wp_modified = models.DateTimeField("last changed on WordPress", null=True, blank=True)
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, related_name="wordpress_posts"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "wp_id"], name="wordpress_post_once_per_site")
        ]

    def __str__(self) -> str:
        return f"{self.wp_type} {self.wp_id} of {self.site}"


class MentionQuerySet(models.QuerySet):
    def approved(self) -> "MentionQuerySet":
        """What the public may read."""
        return self.filter(status=Comment.Status.APPROVED)

    def update(self, **kwargs) -> int:
        """As QuerySet.update(), marking the articles whose public mentions it changes."""
        public = self if kwargs.get("status") == Comment.Status.APPROVED else self.approved()
        articles = set(public.order_by().values_list("article_id", flat=True).distinct())
        count = super().update(**kwargs)
        discussion_changed(articles)
        return count


class Mention(models.Model):
    """A pingback or trackback: another page that linked to an article, shown apart."""

    class Kind(models.TextChoices):
        PINGBACK = "pingback", "Pingback"
        TRACKBACK = "trackback", "Trackback"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="mentions")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.PINGBACK)
    title = models.CharField(max_length=200, help_text="The linking page's name.")
    url = models.URLField("address", max_length=500, blank=True)
    excerpt = models.TextField(blank=True, help_text="What the linking page said, as text.")
    status = models.CharField(max_length=10, choices=Comment.Status, default=Comment.Status.PENDING)
    created_at = models.DateTimeField("time", default=timezone.now)

    objects = MentionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

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


class ImportedComment(models.Model):
    """A WordPress comment, pingback or trackback, and what it became here."""

    site = models.ForeignKey(WordPressSite, on_delete=models.CASCADE, related_name="comments")
    wp_id = models.PositiveBigIntegerField("WordPress id")
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, related_name="wordpress_comments"
    )
    mention = models.ForeignKey(
        Mention, on_delete=models.SET_NULL, null=True, related_name="wordpress_comments"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "wp_id"], name="wordpress_comment_once_per_site"
            )
        ]

    def __str__(self) -> str:
        return f"comment {self.wp_id} of {self.site}"


# Connected when Django loads this app's models; no ready() import is needed.
@receiver(post_save, sender=Mention)
@receiver(post_delete, sender=Mention)
def mention_changed(sender, instance: Mention, **kwargs) -> None:
    """An approved mention is on the article page: changing it, or from it, is a public change."""
    if instance.is_approved() or getattr(instance, "_was_public", False):
        discussion_changed([instance.article_id])
    instance._was_public = instance.is_approved()
