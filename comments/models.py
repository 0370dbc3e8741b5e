import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from blog.models import Article, full_url, public_discussion_changed
from comments.encryption import EmailHashField, EncryptedEmailField, email_hashes
from lib.text import split_url


def web_address_or_blank(url: str) -> str:
    """``url`` if it is a web address (http or https), else "": safe to link to."""
    parts = split_url(url)
    return url if parts and parts.scheme.lower() in {"http", "https"} else ""


class CommentQuerySet(models.QuerySet):
    def approved(self) -> "CommentQuerySet":
        """What the public may read."""
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self) -> "CommentQuerySet":
        """What waits for a moderator."""
        return self.filter(status=Comment.Status.PENDING)

    def count_per_article(self) -> models.Func:
        """
        How many of these comments each article has, for annotating articles.

        A subquery (0 where there are none), so a list of articles gets its
        counts in its own query, whatever its length.
        """
        per_article = (
            self.filter(article=models.OuterRef("pk"))
            .order_by()
            .values("article")
            .annotate(count=models.Count("pk"))
            .values("count")
        )
        return models.functions.Coalesce(models.Subquery(per_article), 0)

    def with_author_edits(self) -> "CommentQuerySet":
        """
        Each comment with ``author_edits``: how often its author changed it
        (comments/posting/editing.py), for the desk's note. A subquery, as above.
        """
        edits = (
            CommentRevision.objects.filter(
                comment=models.OuterRef("pk"), change=CommentRevision.Change.EDITED
            )
            .order_by()
            .values("comment")
            .annotate(count=models.Count("pk"))
            .values("count")
        )
        return self.annotate(author_edits=models.functions.Coalesce(models.Subquery(edits), 0))

    def with_last_edit(self) -> "CommentQuerySet":
        """
        Each comment with ``edited_at``: when its text last changed after it was
        posted (by its author, or by staff), or None; for its readers' dates
        (schema.org's dateModified, a feed entry's ``updated``). A subquery, as above.
        """
        edits = (
            CommentRevision.objects.filter(
                comment=models.OuterRef("pk"),
                change__in=[CommentRevision.Change.EDITED, CommentRevision.Change.STAFF],
            )
            .order_by("-created_at")
            .values("created_at")[:1]
        )
        return self.annotate(edited_at=models.Subquery(edits))

    def locked(self) -> "CommentQuerySet":
        """
        These comments with their rows locked until the transaction ends: the one way to lock.

        Whoever decides on a comment, or changes its text, reads it through this
        first, so two such changes at the same moment run one after the other and
        the second sees what the first did: a moderator's decision and an
        author's edit (comments/moderation.py, comments/posting/editing.py).
        Only the comments' own rows are locked (``of``), never an article or
        a parent joined in with ``select_related``.
        """
        return self.select_for_update(of=("self",))

    def held(self) -> "CommentQuerySet":
        """Not public, but still to be reviewed: pending, or caught as spam."""
        return self.filter(status__in=[Comment.Status.PENDING, Comment.Status.SPAM])

    def update(self, **kwargs) -> int:
        """
        As QuerySet.update(), keeping two things up to date that update() skips.

        A status change moves ``updated_at`` (retention counts from it), and
        articles whose public discussion changed are marked
        (``discussion_changed``): update() bypasses save(), so every bulk change,
        the admin's actions included, is caught here.
        """
        if "status" in kwargs:
            kwargs.setdefault("updated_at", timezone.now())
        articles = set()
        if Comment.SHOWN_FIELDS.intersection(kwargs):
            public = self if kwargs.get("status") == Comment.Status.APPROVED else self.approved()
            articles = set(public.order_by().values_list("article_id", flat=True).distinct())
        count = super().update(**kwargs)
        discussion_changed(articles)
        return count

    def delete(self):
        articles = set(self.approved().order_by().values_list("article_id", flat=True))
        deleted = super().delete()
        discussion_changed(articles)
        return deleted

    def editable(self) -> "CommentQuerySet":
        """
        What the browser that posted a comment may still edit or withdraw.

        Posted from a browser (a site reply, an imported or erased comment has
        no browser key) less than COMMENTS_EDIT_MINUTES ago, and not removed.
        Whether the asking browser is that one is for comments/posting/editing.py.
        """
        if not settings.COMMENTS_EDIT_MINUTES:
            return self.none()
        return (
            self.exclude(status=Comment.Status.REMOVED)
            .exclude(trust_key="")
            .filter(created_at__gt=timezone.now() - edit_window())
        )

    def by_email(self, email: str) -> "CommentQuerySet":
        """
        Comments left with this address, whatever its case.

        The one place that looks comments up by email: addresses are stored
        encrypted, so this matches their keyed hash (under any configured key,
        so that rows not yet moved to a new key are still found).
        """
        return self.filter(author_email_hash__in=email_hashes(email))


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
    # Blank only for the site's own replies and erased commenters: the comment
    # form requires an address from every reader.
    author_email = EncryptedEmailField(
        "email", blank=True, help_text="Never shown in public; stored encrypted."
    )
    # Filled from author_email on every write; see comments/encryption.py.
    author_email_hash = EmailHashField("email look-up hash", source="author_email")
    author_url = models.URLField("website", max_length=200, blank=True)
    # A reply from the fediverse (federation/inbox.py): no email, its author's profile as
    # the website, and their handle, for the desk.
    fediverse_handle = models.CharField(
        "fediverse account",
        max_length=300,
        blank=True,
        editable=False,
        help_text="@name@server of a reply from the fediverse; it has no email.",
    )
    body = models.TextField("comment", help_text="Plain text; shown with its line breaks.")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField("time", default=timezone.now)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    held_reason = models.CharField(
        "why held", max_length=200, blank=True, help_text="Which rule held this comment."
    )
    notify_on_approval = models.BooleanField(
        "email the author on approval",
        default=False,
        help_text="Ticked by the author; cleared once the email is sent.",
    )
    trust_key = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        db_index=True,
        help_text="Digest of the author's browser token; see comments/trust.py.",
    )
    former_id = models.PositiveBigIntegerField(
        "number on the former site",
        null=True,
        blank=True,
        editable=False,
        help_text="Set on an imported comment whose old number was taken here, so that "
        "old #comment-N links still land on it.",
    )
    by_site = models.BooleanField(
        "written for the site",
        default=False,
        editable=False,
        help_text="A reply written by staff from the moderation desk: shown under the site's "
        "name with an “Author” badge.",
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="The staff member who wrote this reply for the site; never shown in public.",
    )
    updated_at = models.DateTimeField(
        "last change",
        auto_now=True,
        help_text="Moves on approval and edits; the article's sitemap date follows it.",
    )
    # The spam filter's judgement when the comment came in or was edited (comments/spam_filter/).
    spam_score = models.FloatField(
        "spam score", null=True, blank=True, editable=False, help_text="From 0 to 1."
    )
    spam_signals = models.JSONField("what weighed most", default=list, blank=True, editable=False)
    # What moderators' decisions on it taught the filter; deleted with the comment.
    spam_lessons = GenericRelation("spam.Lesson", related_query_name="comment")

    objects = CommentQuerySet.as_manager()

    # What readers see of a published comment: changing one changes the discussion.
    SHOWN_FIELDS = frozenset(
        {"status", "author_name", "author_url", "body", "parent", "created_at"}
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["article", "status", "created_at"])]
        permissions = [("can_moderate", "Can moderate comments")]

    def __str__(self) -> str:
        return f"Comment by {self.author_name} on {self.article}"

    def save(self, *args, **kwargs) -> None:
        self.depth = self.depth_under(self.parent)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "author_email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "author_email_hash"}
        super().save(*args, **kwargs)
        if self.is_approved() or getattr(self, "_was_public", False):
            discussion_changed([self.article_id])
        self._was_public = self.is_approved()

    def get_absolute_url(self) -> str:
        """
        The comment's permalink, ``/comments/<id>/``: it stays the same when the
        comment moves to another page of the discussion, and redirects to the
        page and anchor that hold it now (comments/posting/views.py ``permalink``).
        """
        return reverse("comments:permalink", args=[self.pk])

    def get_full_url(self) -> str:
        return full_url(self.get_absolute_url())

    def delete(self, *args, **kwargs):
        was_public = self.is_approved()
        deleted = super().delete(*args, **kwargs)
        if was_public:
            discussion_changed([self.article_id])
        return deleted

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        comment = super().from_db(db, field_names, values, **kwargs)
        # What readers could see of it as loaded, to tell whether saving changes that.
        comment._was_public = comment.__dict__.get("status") == cls.Status.APPROVED
        return comment

    @property
    def safe_url(self) -> str:
        """The author's website if it is a web address; never javascript: or the like."""
        return web_address_or_blank(self.author_url)

    @staticmethod
    def depth_under(parent: "Comment | None") -> int:
        """
        The depth of a comment answering ``parent``: the rule for threads, in one place.

        1 for a comment that answers none, one more than its parent for a reply;
        ``save`` fills it in, and the WordPress import, which inserts in bulk, asks.
        """
        return parent.depth + 1 if parent else 1

    def reply_target(self) -> "Comment":
        """
        The comment a reply to this one is filed under: this one, or, past the
        deepest level threads go, the nearest one above that leaves room.
        """
        target = self
        while target.depth >= thread_depth():
            target = target.parent
        return target

    def is_approved(self) -> bool:
        """Instance twin of ``CommentQuerySet.approved()``."""
        return self.status == self.Status.APPROVED

    def is_held(self) -> bool:
        """Instance twin of ``CommentQuerySet.held()``."""
        return self.status in {self.Status.PENDING, self.Status.SPAM}

    def is_editable(self) -> bool:
        """Instance twin of ``CommentQuerySet.editable()``."""
        return bool(
            settings.COMMENTS_EDIT_MINUTES
            and self.status != self.Status.REMOVED
            and self.trust_key
            and timezone.now() < self.editable_until()
        )

    def editable_until(self) -> datetime:
        """When the window for its author to edit or withdraw it closes."""
        return self.created_at + edit_window()

    def text_digest(self) -> str:
        """
        A short digest of the text, carried by the desk's buttons: a decision
        made on a page showing another text (the author edited it meanwhile)
        is refused (comments/desk/views.py).
        """
        return hashlib.sha256(self.body.encode()).hexdigest()[:16]


class CommentRevision(models.Model):
    """
    A change its author (comments/posting/editing.py), or staff who may not moderate
    (comments/desk/staff_edits.py), made to a comment: what it said before, for
    moderators. Deleted with the comment.
    """

    class Change(models.TextChoices):
        EDITED = "edited", "Edited by its author"
        WITHDRAWN = "withdrawn", "Withdrawn by its author"
        STAFF = "staff", "Edited by staff who may not moderate"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    change = models.CharField(max_length=10, choices=Change)
    body = models.TextField("text before", help_text="The comment's text before this change.")
    author_name = models.CharField(
        "name before", max_length=100, blank=True, help_text="The name shown before this change."
    )
    author_url = models.URLField(
        "website before",
        max_length=200,
        blank=True,
        help_text="The website shown before this change.",
    )
    status = models.CharField(
        "status before",
        max_length=10,
        choices=Comment.Status,
        help_text="The comment's status before this change.",
    )
    created_at = models.DateTimeField("time", default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "earlier version"
        verbose_name_plural = "earlier versions"

    def __str__(self) -> str:
        return f"{self.get_change_display()} at {self.created_at:%Y-%m-%d %H:%M}"


def thread_depth() -> int:
    """How many levels replies nest at most (COMMENTS_THREAD_DEPTH; WordPress's default is 5)."""
    return getattr(settings, "COMMENTS_THREAD_DEPTH", 5)


def edit_window() -> timedelta:
    """How long after posting its author may change a comment (COMMENTS_EDIT_MINUTES)."""
    return timedelta(minutes=settings.COMMENTS_EDIT_MINUTES)


def discussion_changed(article_ids) -> None:
    """
    Mark the articles whose public discussion changed: the one rule for it.

    A comment changed what readers can see when it is approved, or was before
    the change; a held, spam or removed comment that was never public changes
    nothing. The time marked is part of each article's version
    (``Article.version()``), which the page cache, the ETags, the feeds and the
    sitemap's lastmod all follow.
    """
    if article_ids := set(article_ids):
        Article.objects.filter(pk__in=article_ids).update(discussion_changed_at=timezone.now())
        public_discussion_changed.send(sender=Article, article_ids=article_ids)


def word_list(text: str) -> list[str]:
    """
    The entries of a word list, one per line, as typed but stripped.

    Blank lines go, and so does an entry that repeats an earlier one in another case.
    """
    entries: dict[str, str] = {}
    for line in text.splitlines():
        if entry := line.strip():
            entries.setdefault(entry.casefold(), entry)
    return list(entries.values())


class ModerationSettings(models.Model):
    """The rules applied to each new comment: one row, edited in the admin."""

    hold_all = models.BooleanField(
        "hold every new comment",
        default=True,
        help_text="Hold each new comment for a moderator, unless its author is trusted below.",
    )
    link_limit = models.PositiveSmallIntegerField(
        "hold comments with this many links",
        default=2,
        help_text="A comment with this many web addresses or more is held; 0 turns this off.",
    )
    moderation_words = models.TextField(
        blank=True,
        help_text="One word, phrase or IP address per line. A comment whose name, email, "
        "website, text, IP address or browser contains one is held. Matching ignores case, "
        "and finds the word inside longer ones.",
    )
    block_words = models.TextField(
        blank=True,
        help_text="Same form as above; a comment that contains one goes straight to spam.",
    )
    blocked_domains = models.TextField(
        "blocked servers",
        blank=True,
        help_text="One domain per line, e.g. spam.example: nothing from the fediverse is taken "
        "from it or the domains under it (follows, replies, likes).",
    )
    trust_returning = models.BooleanField(
        "publish returning commenters at once",
        default=False,
        help_text="Publish a comment at once when an earlier comment by the same email address "
        "from the same browser was approved. Trust lives in a signed cookie in that browser, "
        "so knowing someone's name and email is not enough.",
    )

    class Meta:
        verbose_name = "moderation settings"
        verbose_name_plural = "moderation settings"

    def __str__(self) -> str:
        return "Moderation settings"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        self.moderation_words = "\n".join(word_list(self.moderation_words))
        self.block_words = "\n".join(word_list(self.block_words))
        self.blocked_domains = "\n".join(word_list(self.blocked_domains))
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "ModerationSettings":
        """The one row, created with the defaults the first time it is asked for."""
        return cls.objects.get_or_create(pk=1)[0]

    @classmethod
    def add_blocked(cls, entry: str) -> bool:
        """
        Put one entry on the block list, under a row lock; False if it was there already.

        Two moderators blocking at the same moment both land: each reads the list
        the other wrote. Call it inside a transaction.
        """
        cls.load()
        rules = cls.objects.select_for_update().get(pk=1)
        entries = word_list(rules.block_words)
        if entry.casefold() in {known.casefold() for known in entries}:
            return False
        rules.block_words = "\n".join([*entries, entry])
        rules.save()
        return True


def link_key() -> str:
    """A random key that ties signed email links to one mailbox row (comments/mail/consent.py)."""
    return secrets.token_urlsafe(16)


class MailboxQuerySet(models.QuerySet):
    def by_email(self, email: str) -> "MailboxQuerySet":
        """The mailbox of exactly this address (a ``+tag`` is another mailbox), under any key."""
        return self.filter(email_hash__in=email_hashes(email, subaddress=True))

    def of_person(self, email: str) -> "MailboxQuerySet":
        """Every mailbox of this address, ``+tag``\\ s included: what export and erasure find."""
        return self.filter(lookup_hash__in=email_hashes(email))

    def confirmed(self) -> "MailboxQuerySet":
        """Mailboxes whose owner said yes: the only ones the site writes to, but to confirm."""
        return self.filter(confirmed_at__isnull=False)


class Mailbox(models.Model):
    """
    An address someone asked the site to email, and whether its owner agreed.

    Double opt-in: until its owner follows the signed link of the one
    confirmation email, the address receives nothing else. A confirmed address
    stays confirmed until its owner stops all email.
    """

    email = EncryptedEmailField(help_text="Never shown in public; stored encrypted.")
    # Consent is given for one mailbox exactly: maya+blog@ is not maya@.
    email_hash = EmailHashField("consent hash", source="email", subaddress=True, unique=True)
    # Export and erasure find every +tag of an address, as they do for comments.
    lookup_hash = EmailHashField("look-up hash", source="email")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When its owner followed the confirmation link."
    )
    confirmation_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="The last confirmation email: one per address per day."
    )
    # Changes with each confirmation email, so that only the newest link confirms, once.
    confirmation_nonce = models.CharField(max_length=32, blank=True, editable=False)
    link_key = models.CharField(max_length=32, default=link_key, editable=False)

    objects = MailboxQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return f"Mailbox {self.pk}"

    def is_confirmed(self) -> bool:
        """Instance twin of ``MailboxQuerySet.confirmed()``."""
        return self.confirmed_at is not None


class ConfirmedBrowser(models.Model):
    """
    A browser an address's owner confirmed it from (comments/mail/consent.py).

    Wishes ticked from it take effect at once, and "your comment is published"
    goes only for comments posted from it: typing a confirmed address
    elsewhere borrows none of its consent. Holds the digest of the browser's
    token, as a comment does (comments/trust.py), never the token.
    """

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="browsers")
    trust_key = models.CharField(max_length=64, help_text="Digest of the browser's token.")
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "trust_key"], name="one_row_per_browser")
        ]

    def __str__(self) -> str:
        return f"A browser of {self.mailbox}"


class SubscriptionQuerySet(models.QuerySet):
    def in_force(self) -> "SubscriptionQuerySet":
        """Wishes the owner agreed to, of addresses still confirmed: the only ones acted on."""
        return self.filter(confirmed_at__isnull=False, mailbox__confirmed_at__isnull=False)

    def waiting(self) -> "SubscriptionQuerySet":
        """Wishes typed from a browser the owner has not confirmed, waiting for their yes."""
        return self.filter(confirmed_at__isnull=True)


class Subscription(models.Model):
    """One wish for email, ticked beside the comment form, or "Email me new articles"."""

    class Kind(models.TextChoices):
        REPLIES = "replies", "Replies to a comment"
        ARTICLE = "article", "New comments on an article"
        BLOG = "blog", "New articles"

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="subscriptions")
    kind = models.CharField(max_length=10, choices=Kind)
    article = models.ForeignKey(
        "blog.Article",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The article whose discussion is followed; none for new articles.",
    )
    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        help_text="For replies: the comment whose replies are wanted.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Until its owner agrees, a wish does nothing: typing an address is not consent.
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the address's owner agreed to this wish."
    )
    browser = models.CharField(
        max_length=64, blank=True, help_text="Digest of the token of the browser that asked."
    )

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "article"],
                condition=models.Q(kind="article"),
                name="one_article_subscription",
            ),
            models.UniqueConstraint(
                fields=["mailbox", "comment"],
                condition=models.Q(kind="replies"),
                name="one_replies_subscription",
            ),
            models.UniqueConstraint(
                fields=["mailbox"], condition=models.Q(kind="blog"), name="one_blog_subscription"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.mailbox})"


class Delivery(models.Model):
    """
    One email to one address, kept until it is sent: the outbox.

    To a reader's mailbox (a confirmation request, comments announced) or to a
    moderator (a held comment). Written in the same transaction as the
    approval or the comment that calls for it, so no crash between the two
    loses it; the task that sends it carries only its id, so no address ever
    sits in the task queue. comments/mail/delivery.py sends it, retries it and
    recovers it.
    """

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Confirmation request"
        NEWS = "news", "Comments announced"
        HELD = "held", "A held comment or mention, for a moderator"
        ARTICLE = "article", "A new article, for a follower"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Not needed any more"

    # A reader's email goes to their mailbox; a moderator's, about a held comment, to
    # their address (a staff account's or one of MANAGERS), kept encrypted like readers'.
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    staff_address = EncryptedEmailField(
        "moderator's address", blank=True, help_text="For a held comment's email; encrypted."
    )
    held_comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The comment a moderator is asked to decide.",
    )
    # Anything else held for a moderator, moderated with a comment's statuses (a mention
    # from another blog): the comments app names it without knowing its app.
    held_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    held_id = models.PositiveBigIntegerField(null=True, blank=True)
    held_item = GenericForeignKey("held_type", "held_id")
    article = models.ForeignKey(
        "blog.Article",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The new article a follower is told of.",
    )
    kind = models.CharField(max_length=12, choices=Kind)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(
        "next attempt", default=timezone.now, help_text="When it is (next) to be sent."
    )
    # When a task to send it was last handed to the queue, and when a worker took it.
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(
        "why it failed",
        max_length=200,
        blank=True,
        help_text="The mail server's answer, without the address.",
    )

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.mailbox or 'a moderator'}"


class Notice(models.Model):
    """One comment announced in one delivery, and why this recipient hears of it."""

    class Reason(models.TextChoices):
        PUBLISHED = "published", "Their comment was published"
        REPLY = "reply", "A reply to their comment"
        ARTICLE = "article", "A new comment on an article they follow"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="notices")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["delivery", "comment"], name="one_notice_per_comment")
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.comment_id}"


class Announcement(models.Model):
    """
    A published article whose followers have been emailed (comments/mail/followers.py).

    One row per article, written in the same transaction as its deliveries:
    its primary key is what makes an article announced once, whatever the
    number of workers, and never again for an edit or a republication.
    """

    article = models.OneToOneField(
        "blog.Article", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    announced_at = models.DateTimeField(default=timezone.now)
    followers = models.PositiveIntegerField(default=0, help_text="How many were emailed.")

    def __str__(self) -> str:
        return f"Article {self.article_id} announced"
