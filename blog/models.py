from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone

from blog.markup import render_markdown

# Sent with ``article_ids`` when what readers can see of these articles' discussions
# changed (comments.models.discussion_changed, the one rule for it), which a
# queryset update does not tell: serving/purge.py listens.
public_discussion_changed = Signal()


def full_url(path: str) -> str:
    """
    The address of a path of this site, for what leaves a request: feeds, emails, metadata.

    The one place absolute addresses are made: on SITE_URL, never on the
    request's Host header, which a client chooses.
    """
    return f"{settings.SITE_URL}{path}"


class ArticleQuerySet(models.QuerySet):
    def published(self) -> "ArticleQuerySet":
        """What the public may read: published, and not dated in the future."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def version(self) -> str:
        """
        A text that changes whenever a page listing these articles would.

        One aggregate query: the count and the latest edit, publication and
        discussion change. An article whose publication time passes joins the
        count without any save.
        """
        latest = self.published().aggregate(
            count=models.Count("pk"),
            edited=models.Max("updated_at"),
            published=models.Max("published_at"),
            discussed=models.Max("discussion_changed_at"),
        )
        return "|".join(str(value) for value in latest.values())


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The last part of the article's address; lowercase words joined by hyphens.",
    )
    standfirst = models.CharField(
        max_length=300,
        blank=True,
        help_text="One line under the title; also the page's description for search engines.",
    )
    body = models.TextField(help_text="Written in Markdown.")
    body_html = models.TextField(editable=False, help_text="The body rendered and sanitized.")
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "publication time",
        default=timezone.now,
        help_text="A published article dated in the future stays hidden until then.",
    )
    updated_at = models.DateTimeField("update time", auto_now=True)
    discussion_changed_at = models.DateTimeField(
        "discussion change time",
        default=timezone.now,
        # Also in the table itself, for rows written by code that predates the field.
        db_default=Now(),
        editable=False,
        help_text="When a public comment last appeared, changed or went.",
    )
    comments_open = models.BooleanField(
        default=True, help_text="Untick to close the comment form on this article."
    )
    comments_close_at = models.DateTimeField(
        "close comments after",
        null=True,
        blank=True,
        help_text="Optional: comments close by themselves after this time.",
    )

    # Likes and boosts from the fediverse, counted by federation/inbox.py; shown on the page.
    # 0 in the table itself too, for rows written by code that predates the fields.
    fediverse_likes = models.PositiveIntegerField("likes", default=0, db_default=0, editable=False)
    fediverse_boosts = models.PositiveIntegerField(
        "boosts", default=0, db_default=0, editable=False
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at"]
        indexes = [models.Index(fields=["status", "published_at"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.body_html = render_markdown(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("blog:article", kwargs={"slug": self.slug})

    def get_full_url(self) -> str:
        return full_url(self.get_absolute_url())

    def get_comment_page_url(self, page: int) -> str:
        """
        The address of the article showing this page of its comments: the
        first is the article's own address, the others ``comment-page-N/``
        beneath it, as WordPress names them.
        """
        if page <= 1:
            return self.get_absolute_url()
        return reverse("blog:article-comment-page", kwargs={"slug": self.slug, "page": page})

    def is_published(self) -> bool:
        """Instance twin of ``ArticleQuerySet.published()``."""
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    def version(self) -> str:
        """
        A text that changes whenever this article's page would: an edit, a change to
        its public discussion, or comments closing by the clock.
        """
        state = "open" if self.comments_are_open() else "closed"
        return f"{self.pk}|{self.updated_at}|{self.discussion_changed_at}|{state}"

    def comments_are_open(self) -> bool:
        """Whether readers may post: the flag is on and the closing time has not passed."""
        return self.comments_open and (
            self.comments_close_at is None or timezone.now() < self.comments_close_at
        )
