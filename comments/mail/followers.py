"""
New articles, emailed once to each confirmed follower ("Email me new articles").

``announce_new_articles`` runs in the email worker beside the recovery (and
once in ``email_worker --batch``): every article public now, published within
the last ``FOLLOWERS_NEWS_WITHIN_DAYS`` (2) and not announced yet, gets an
``Announcement`` row and one outbox delivery per follower whose wish is in
force, in one transaction. A scheduled article is therefore emailed once its
time comes, with no save; an edit, an unpublish and a republish announce
nothing more (the row is there); an old post imported from WordPress, or an
article backdated, is not news and is never mailed. Two workers at once
announce an article once: the row's primary key decides. The delivery is
composed when sent (comments/mail/delivery.py): an article withdrawn
meanwhile, or a follower who left, is sent nothing.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from blog.models import Article
from comments.mail.delivery import send_later
from comments.models import Announcement, Delivery, Subscription


def news_within() -> timedelta:
    """How recent an article's publication time must be to be news (FOLLOWERS_NEWS_WITHIN_DAYS)."""
    return timedelta(days=getattr(settings, "FOLLOWERS_NEWS_WITHIN_DAYS", 2))


def due_articles():
    """Public articles, recent enough to be news, whose followers were not emailed yet."""
    announced = Announcement.objects.values("article_id")
    return (
        Article.objects.published()
        .filter(published_at__gte=timezone.now() - news_within())
        .exclude(pk__in=announced)
        .order_by("published_at", "pk")
    )


def announce_new_articles() -> int:
    """Queue the emails of every article due (see the module's words); how many were announced."""
    announced = 0
    for article in due_articles()[:50]:
        try:
            with transaction.atomic():
                announcement = Announcement.objects.create(article=article)
                followers = (
                    Subscription.objects.in_force()
                    .filter(kind=Subscription.Kind.BLOG)
                    .values_list("mailbox_id", flat=True)
                )
                deliveries = Delivery.objects.bulk_create(
                    Delivery(mailbox_id=mailbox, kind=Delivery.Kind.ARTICLE, article=article)
                    for mailbox in followers
                )
                Announcement.objects.filter(pk=announcement.pk).update(followers=len(deliveries))
                send_later(deliveries)
        except IntegrityError:  # Another worker announced it a moment ago.
            continue
        announced += 1
    return announced
