"""
What followers are told, decided by listening to the blog's and the comments' saves
(neither app knows federation): one place for each article's and each reply's fate.

- An article that becomes public is delivered as a ``Create`` of an ``Article``
  to every follower's inbox (a server's shared inbox once for all its followers);
  a public article whose title, summary or text changed sends an ``Update``; one
  unpublished or deleted, a ``Delete``. ``FederatedArticle`` remembers what was
  last sent, so a save that changes nothing they see sends nothing.
- A reply written at the desk for the site, to a comment that came from the
  fediverse, is delivered back to its author's inbox as a ``Note`` in the thread.

Everything is written in the transaction of the save (federation/delivery.py
queues it once that commits). An article dated in the future becomes public
without a save: the worker's round finds it (``scheduled_articles_came_out``).
"""

from datetime import timedelta
from uuid import uuid4

from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from blog.models import Article
from comments.models import Comment
from federation import documents
from federation.delivery import deliver_to
from federation.models import FederatedArticle, Follower, RemoteNote
from lib.worker import worker_round

# A scheduled article is news this long after its time; older ones (an import, a worker
# that was down for weeks) are not announced late.
SCHEDULED_NEWS = timedelta(days=2)


def follower_inboxes() -> list[str]:
    """Each follower's server's inbox, once: the shared inbox when the server offers one."""
    rows = Follower.objects.values_list("actor__shared_inbox", "actor__inbox")
    return list(dict.fromkeys(shared or inbox for shared, inbox in rows))


@receiver(post_save, sender=Article, dispatch_uid="federation-article-saved")
def article_saved(sender, instance: Article, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    told = FederatedArticle.objects.filter(article_id=instance.pk).first()
    if instance.is_published():
        document = documents.article_object(instance)
        fingerprint = documents.fingerprint(document)
        if told is None or told.deleted:
            kind = "Create"
        elif told.fingerprint != fingerprint:
            kind = "Update"
        else:
            return
        FederatedArticle.objects.update_or_create(
            article_id=instance.pk,
            defaults={"object_id": document["id"], "fingerprint": fingerprint, "deleted": False},
        )
        # Each decision its own id: a retry is the same row, a re-publication a new activity.
        suffix = f"{kind.lower()}/{uuid4().hex}"
        deliver_to(follower_inboxes(), documents.activity(kind, document, suffix))
    elif told is not None and not told.deleted:
        withdraw(told)


@receiver(worker_round, dispatch_uid="federation-scheduled-articles")
def scheduled_articles_came_out(sender, **kwargs) -> None:
    """
    Articles whose publication time passed after their last save: delivered as a save would.

    Each is claimed by creating its ``FederatedArticle`` row (unique per article),
    so workers running side by side deliver it once.
    """
    now = timezone.now()
    told = FederatedArticle.objects.values("article_id")
    due = Article.objects.published().filter(
        published_at__gt=F("updated_at"), published_at__gte=now - SCHEDULED_NEWS
    )
    for article in due.exclude(pk__in=told):
        with transaction.atomic():
            claim = {"object_id": article.get_full_url(), "fingerprint": "", "deleted": True}
            _, claimed = FederatedArticle.objects.get_or_create(
                article_id=article.pk, defaults=claim
            )
            if claimed:
                article_saved(Article, article)


@receiver(post_delete, sender=Article, dispatch_uid="federation-article-deleted")
def article_deleted(sender, instance: Article, **kwargs) -> None:
    told = FederatedArticle.objects.filter(article_id=instance.pk, deleted=False).first()
    if told is not None:
        withdraw(told)


def withdraw(told: FederatedArticle) -> None:
    """Tell followers an article is gone (a ``Delete`` of a ``Tombstone``)."""
    told.deleted = True
    told.save(update_fields=["deleted", "updated_at"])
    tombstone = {"id": told.object_id, "type": "Tombstone"}
    suffix = f"delete/{uuid4().hex}"
    deliver_to(follower_inboxes(), documents.activity("Delete", tombstone, suffix))


@receiver(post_save, sender=Comment, dispatch_uid="federation-site-reply")
def site_reply_saved(sender, instance: Comment, created: bool, raw: bool = False, **kwargs):
    """A reply from the desk to a fediverse comment goes back to its author, in thread."""
    if raw or not created or not instance.by_site or instance.parent_id is None:
        return
    answered = RemoteNote.objects.select_related("actor").filter(comment_id=instance.parent_id)
    note = answered.first()
    if note is None:
        return
    document = documents.site_reply_note(instance, note.object_id, note.actor.url)
    deliver_to([note.actor.inbox], documents.activity("Create", document, "create"))
