"""
What the site keeps of the fediverse: its own key, the actors it heard from, its
followers, what it must deliver, and which comments and reactions came from where.

Of a remote author the site keeps their handle, profile link and display name
(on the comment, and in ``RemoteActor`` to check their signatures with their
public key); nothing else. No email is ever involved.
"""

from django.db import models
from django.utils import timezone

from federation.signatures import new_key_pair


class SiteKey(models.Model):
    """The blog actor's RSA key pair: one row, made the first time it is needed."""

    private_key_pem = models.TextField(editable=False)
    public_key_pem = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "site key"

    def __str__(self) -> str:
        return "The blog actor's key"


class RemoteActor(models.Model):
    """An account elsewhere whose signed request we checked: its key and its public names."""

    url = models.URLField("actor", max_length=500, unique=True)
    key_id = models.URLField(max_length=500)
    public_key_pem = models.TextField()
    inbox = models.URLField(max_length=500)
    shared_inbox = models.URLField(max_length=500, blank=True)
    handle = models.CharField(max_length=300, help_text="@name@server")
    name = models.CharField("display name", max_length=100, blank=True)
    profile_url = models.URLField("profile", max_length=500, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.handle

    def delivery_inbox(self) -> str:
        """Where to deliver what all followers get: the server's shared inbox when it has one."""
        return self.shared_inbox or self.inbox


class Follower(models.Model):
    actor = models.OneToOneField(RemoteActor, on_delete=models.CASCADE, related_name="follower")
    follow_id = models.URLField("the Follow activity", max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return str(self.actor)


class Outgoing(models.Model):
    """
    One activity to one inbox, kept until it is delivered: the fediverse's outbox.

    Written in the same transaction as what calls for it (a follow accepted, an
    article published, a reply from the desk); the task that delivers it
    carries only its id (federation/delivery.py), as the email outbox does.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    inbox = models.URLField(max_length=500)
    activity_id = models.URLField(max_length=500)
    activity = models.JSONField()
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField("next attempt", default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField("why it failed", max_length=200, blank=True)

    class Meta:
        verbose_name = "fediverse delivery"
        verbose_name_plural = "fediverse deliveries"
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            # One activity reaches one inbox once, however often it is asked for.
            models.UniqueConstraint(fields=["activity_id", "inbox"], name="one_delivery_per_inbox")
        ]

    def __str__(self) -> str:
        return f"{self.activity.get('type', 'Activity')} to {self.inbox}"


class FederatedArticle(models.Model):
    """What followers were last told of an article, so that each change is told once."""

    article_id = models.PositiveBigIntegerField(unique=True)
    object_id = models.URLField(max_length=500)
    fingerprint = models.CharField(max_length=64, help_text="Of the object last sent.")
    deleted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.object_id


class RemoteNote(models.Model):
    """A comment that came from the fediverse: its object's id and the actor who wrote it."""

    comment = models.OneToOneField(
        "comments.Comment", on_delete=models.CASCADE, related_name="remote_note"
    )
    object_id = models.URLField(max_length=500, unique=True)
    actor = models.ForeignKey(RemoteActor, on_delete=models.CASCADE, related_name="notes")

    def __str__(self) -> str:
        return self.object_id


class Reaction(models.Model):
    """A Like or an Announce of an article: counted on the article, never a comment."""

    class Kind(models.TextChoices):
        LIKE = "Like", "Like"
        ANNOUNCE = "Announce", "Boost"

    article = models.ForeignKey("blog.Article", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(RemoteActor, on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(max_length=10, choices=Kind)
    activity_id = models.URLField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "actor", "kind"], name="one_reaction_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor}"


class Seen(models.Model):
    """An activity id the inbox took: the same activity delivered again changes nothing."""

    activity_id = models.URLField(max_length=500, unique=True)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.activity_id


def site_key() -> SiteKey:
    """The blog actor's key pair, made (once) the first time it is asked for."""
    key = SiteKey.objects.order_by("pk").first()
    if key is None:
        private, public = new_key_pair()
        key, _ = SiteKey.objects.get_or_create(
            pk=1, defaults={"private_key_pem": private, "public_key_pem": public}
        )
    return key
