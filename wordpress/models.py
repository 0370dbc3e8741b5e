"""
What an import remembers: where each imported post and comment came from.

An imported post or comment is known by its WordPress site and its id there,
never by its id alone: two blogs can be moved into this one. The mapping lives
in tables of its own rather than in fields of articles and comments: it holds
what old links need (the post's old address and name), stays out of the rows
every page reads, and outlives what it points to (``SET_NULL``): an article or
comment deleted here is not brought back by a later import of the same site.
"""

from urllib.parse import urlsplit

from django.db import models
from django.utils import timezone

from blog.models import Article
from comments.models import Comment
from mentions.models import Mention


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
