from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Now
from django.db.models.signals import m2m_changed, post_save, pre_delete
from django.dispatch import Signal, receiver
from django.urls import reverse
from django.utils import timezone

from blog.markup import render_markdown
from pictures.models import Picture

# Sent with ``article_ids`` when what readers can see of these articles' discussions
# changed (comments.models.discussion_changed, the one rule for it), which a
# queryset update does not tell: serving/purge.py listens.
public_discussion_changed = Signal()
# Sent with ``article_ids`` when what these articles are filed under changed (topics_changed),
# which saves no article: the search index listens.
articles_refiled = Signal()


def full_url(path: str) -> str:
    """
    The address of a path of this site, for what leaves a request: feeds, emails, metadata.

    The one place absolute addresses are made: on SITE_URL, never on the
    request's Host header, which a client chooses.
    """
    return f"{settings.SITE_URL}{path}"


class Topic(models.Model):
    """
    What articles are grouped by on pages of their own: a category, a tag, an author.

    The name and slug are bounded in the form as in the table (a tag of 10,000
    characters is a sentence under the field, never a database error), and the
    slug is the page's address, kept from WordPress on import.
    """

    name = models.CharField(max_length=100, validators=[MaxLengthValidator(100)])
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The last part of its page's address; lowercase words joined by hyphens.",
    )
    description = models.TextField(
        blank=True,
        validators=[MaxLengthValidator(2000)],
        help_text="Shown at the top of its page and in its feed; plain text.",
    )

    # The URL name of its pages: "blog:<kind>" and "blog:<kind>-feed".
    kind = ""

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(f"blog:{self.kind}", kwargs={"slug": self.slug})

    def get_feed_url(self) -> str:
        return reverse(f"blog:{self.kind}-feed", kwargs={"slug": self.slug})

    def version(self) -> str:
        """What of the topic itself its page shows (its articles are versioned apart)."""
        return f"{self.pk}|{self.slug}|{self.name}|{self.description}|{self.parent_key()}"

    def parent_key(self) -> str:
        return ""

    def articles(self) -> "ArticleQuerySet":
        """The published articles its page lists."""
        raise NotImplementedError


class Category(Topic):
    """A section of the blog; a category may sit inside another (WordPress's nesting)."""

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="Optional: the category this one sits inside.",
    )
    kind = "category"

    class Meta(Topic.Meta):
        verbose_name_plural = "categories"

    def parent_key(self) -> str:
        return str(self.parent_id or "")

    def clean(self) -> None:
        """A category cannot sit inside itself, nor inside one of its own."""
        if self.parent_id and self.pk and self.parent_id in self.descendant_ids():
            raise ValidationError(
                {"parent": "A category cannot sit inside itself or a category inside it."}
            )

    def ancestors(self) -> list["Category"]:
        """From the top category down to this one's parent; a loop stops where it closes."""
        chain: list[Category] = []
        seen = {self.pk}
        parent = self.parent
        while parent is not None and parent.pk not in seen:
            chain.insert(0, parent)
            seen.add(parent.pk)
            parent = parent.parent
        return chain

    def descendant_ids(self) -> set[int]:
        """This category's id and those of every category inside it, at any depth."""
        ids, level = {self.pk}, {self.pk}
        while level:
            level = set(
                Category.objects.filter(parent_id__in=level)
                .exclude(pk__in=ids)
                .values_list("pk", flat=True)
            )
            ids |= level
        return ids

    def articles(self) -> "ArticleQuerySet":
        # As on WordPress, a category's page also lists the articles of the categories inside it.
        return Article.objects.published().filter(categories__in=self.descendant_ids()).distinct()


class Tag(Topic):
    """A word or two that articles share, with its own page."""

    kind = "tag"

    def articles(self) -> "ArticleQuerySet":
        return Article.objects.published().filter(tags=self)


class Author(Topic):
    """
    Who wrote an article: a byline, not an account.

    An author cannot log in and has no email address here; a WordPress
    export's author emails are never read into this blog.
    """

    kind = "author"

    def articles(self) -> "ArticleQuerySet":
        return Article.objects.published().filter(author=self)


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
    body = models.TextField(
        help_text="Written in Markdown. Place a picture with ![what it shows](picture:ID): "
        "each picture's line in Pictures gives it ready to copy."
    )
    featured_image = models.ForeignKey(
        Picture,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="featured_in",
        help_text="Shown above the article, and in link previews (og:image).",
    )
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
    author = models.ForeignKey(
        Author,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles_written",
        help_text="The byline: who wrote it (a name, not an account).",
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="articles_in")
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles_tagged")

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
        self.body_html = render_markdown(
            self.body, first_picture_lazy=self.featured_image_id is not None
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("blog:article", kwargs={"slug": self.slug})

    def get_full_url(self) -> str:
        return full_url(self.get_absolute_url())

    def featured_image_url(self) -> str:
        """The featured image's absolute address, for link previews; "" without one."""
        if self.featured_image is None:
            return ""
        url = self.featured_image.preview_url
        return url if url.startswith(("https://", "http://")) else full_url(url)

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


def topics_changed(article_ids) -> None:
    """
    The one rule for a change to what articles are filed under: they count as edited.

    Their pages, the listings that show them and the ETags of both are versioned
    by ``updated_at``; adding a tag to an article, or renaming a tag, does not
    save the article itself, so it is moved here.
    """
    article_ids = list(article_ids)
    Article.objects.filter(pk__in=article_ids).update(updated_at=timezone.now())
    articles_refiled.send(sender=Article, article_ids=article_ids)


@receiver(m2m_changed, sender=Article.tags.through)
@receiver(m2m_changed, sender=Article.categories.through)
def article_filed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if reverse and action == "pre_clear":
        # From the topic's side, a clear names no articles: those it holds, before it goes.
        topics_changed(filed_under(instance))
    elif not action.startswith("post_") or action == "post_clear" and reverse:
        return
    elif not reverse:
        topics_changed([instance.pk])
    else:
        topics_changed(pk_set or [])


@receiver(post_save, sender=Tag)
@receiver(post_save, sender=Category)
@receiver(post_save, sender=Author)
def topic_saved(sender, instance: Topic, created: bool, raw: bool = False, **kwargs) -> None:
    """A renamed topic shows under its new name on every article filed under it."""
    if not created and not raw:
        topics_changed(filed_under(instance))


@receiver(pre_delete, sender=Tag)
@receiver(pre_delete, sender=Category)
@receiver(pre_delete, sender=Author)
def topic_deleted(sender, instance: Topic, **kwargs) -> None:
    """A deleted topic leaves its articles' pages (the cascade sends no m2m_changed)."""
    topics_changed(filed_under(instance))


def filed_under(topic: Topic) -> list[int]:
    """The ids of the articles, in any status, filed under this topic itself."""
    field = {"tag": "tags", "category": "categories", "author": "author"}[topic.kind]
    return list(Article.objects.filter(**{field: topic}).values_list("pk", flat=True))
