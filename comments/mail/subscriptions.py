"""
Readers' wishes for email, their owners' consent, and what an approval announces.

Beside the comment form a reader may tick "Email me when my comment is
approved", "Email me when someone replies to me" and "Email me about new
comments on this article". Each wish is stored at once, for the exact address
typed (its full canonical form: ``maya+blog@`` is another mailbox than
``maya@``), but it does nothing until the address's owner says yes to it
(comments/mail/consent.py): from the one confirmation email, or by ticking it from
a browser they confirmed the address from. Typing a confirmed address
anywhere else borrows none of its consent.

Nothing a poster can count depends on the state of another address: their
emails, their quota, the answer and the time it takes are the same whether
the address typed is new, waiting, confirmed or was mailed a moment ago. A
post with a wish from a browser the owner did not confirm spends one of the
IP address's ``EMAIL_CONFIRMATIONS_PER_IP`` an hour, whatever the address;
the address then gets its confirmation email unless it had one in the last
``EMAIL_CONFIRM_INTERVAL_HOURS``, and the database does the same work either way
(the outbox row is written "not needed" when nothing goes). So the form
cannot be used to mail strangers, nor to learn who has used the site. None is
sent for a comment caught as spam; approving it sends it.

``announce`` runs inside every approval (comments/moderation.py): for the
comments the batch made public it writes one delivery per recipient, whatever
the number of comments, to wishes in force only, never to a comment's own
author, never twice for one comment. Held, spam and removed comments are
never announced.
"""

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from comments.encryption import email_hashes
from comments.mail.consent import (
    Unsubscribe,
    approvals_in_force,
    confirmed_from,
    pending_approvals,
    waiting_wishes,
)
from comments.mail.delivery import send_later
from comments.models import (
    Comment,
    ConfirmedBrowser,
    Delivery,
    Mailbox,
    Notice,
    Subscription,
)

Reason = Notice.Reason


def mailbox_for(email: str) -> Mailbox:
    """
    The mailbox of this exact address, made (unconfirmed) the first time it is typed.

    The same two statements whether it exists or not (an insert that a known
    address makes do nothing, then a read), so neither tells the other apart.
    """
    Mailbox.objects.bulk_create([Mailbox(email=email.strip())], ignore_conflicts=True)
    return Mailbox.objects.by_email(email).get()


def subscribe(comment: Comment, *, replies: bool, article: bool, ip: str | None) -> None:
    """
    Keep the wishes ticked with a new comment, and ask for consent if it is not given yet.

    Called for every stored comment, whatever its verdict; the answer to the
    reader never depends on what happens here. Wishes from a browser the owner
    confirmed the address from are in force at once; any others wait for the
    owner's yes.
    """
    if not (replies or article or comment.notify_on_approval):
        return
    mailbox = mailbox_for(comment.author_email)
    trusted = confirmed_from(mailbox, comment.trust_key)
    now = timezone.now()
    kind = Subscription.Kind
    wished = []
    if replies:
        wished.append(Subscription(kind=kind.REPLIES, comment=comment, article=comment.article))
    if article:
        wished.append(Subscription(kind=kind.ARTICLE, article=comment.article))
    for wish in wished:
        wish.mailbox, wish.browser = mailbox, comment.trust_key
        wish.confirmed_at = now if trusted else None
    # A wish already stored (confirmed, or waiting) is kept as it is, in the same statement.
    Subscription.objects.bulk_create(wished, ignore_conflicts=True)
    if trusted:
        # The owner's own tick: a wish someone else typed for them before is theirs now.
        ticked = Q(kind=kind.REPLIES, comment=comment) if replies else Q(pk__in=[])
        if article:
            ticked |= Q(kind=kind.ARTICLE, article=comment.article)
        mailbox.subscriptions.waiting().filter(ticked).update(
            confirmed_at=now, browser=comment.trust_key
        )
    elif comment.status != Comment.Status.SPAM:
        request_confirmation(mailbox, ip)


def follow(email: str, *, browser: str, ip: str | None) -> None:
    """
    "Email me new articles": keep the wish, and ask for consent as a comment's wishes do.

    The same statements, the same answer and the same limits whatever the
    address's state (new, waiting, confirmed, followed already): a wish typed
    from a browser its owner confirmed the address from is in force at once;
    any other spends the IP's hourly share and waits for the owner's yes.
    """
    mailbox = mailbox_for(email)
    trusted = confirmed_from(mailbox, browser)
    now = timezone.now()
    wish = Subscription(
        mailbox=mailbox,
        kind=Subscription.Kind.BLOG,
        browser=browser,
        confirmed_at=now if trusted else None,
    )
    Subscription.objects.bulk_create([wish], ignore_conflicts=True)
    if trusted:
        mailbox.subscriptions.waiting().filter(kind=Subscription.Kind.BLOG).update(
            confirmed_at=now, browser=browser
        )
    else:
        request_confirmation(mailbox, ip)


def request_confirmation(mailbox: Mailbox, ip: str | None) -> bool:
    """
    Ask the owner for their yes by email, unless the IP or the address had theirs recently.

    ``ip`` is None when a moderator's approval asks, which no limit per IP
    applies to. The IP's hourly share is spent first, whatever the address,
    then one conditional UPDATE decides, so two posts at once send one email;
    the outbox row is written either way ("not needed any more" when nothing
    goes). Each request replaces the nonce, so only the newest link confirms.
    """
    if ip is not None and not ip_allows_confirmation(ip):
        return False
    now = timezone.now()
    interval = timedelta(hours=settings.EMAIL_CONFIRM_INTERVAL_HOURS)
    nonce = secrets.token_urlsafe(16)
    claimed = (
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(Q(confirmation_sent_at__isnull=True) | Q(confirmation_sent_at__lt=now - interval))
        .update(confirmation_sent_at=now, confirmation_nonce=nonce)
    )
    if claimed:
        mailbox.confirmation_sent_at, mailbox.confirmation_nonce = now, nonce
    queue_confirmation(mailbox, needed=bool(claimed))
    return bool(claimed)


def queue_confirmation(mailbox: Mailbox, *, needed: bool = True) -> None:
    status = Delivery.Status.QUEUED if needed else Delivery.Status.CANCELLED
    delivery = Delivery.objects.create(
        mailbox=mailbox, kind=Delivery.Kind.CONFIRMATION, status=status
    )
    # Queued either way: the worker finds nothing to do for a row not needed.
    send_later([delivery])


def ip_allows_confirmation(ip: str) -> bool:
    """Whether this IP address asked for fewer than its hourly share of confirmation emails."""
    cache = caches[settings.COMMENTS_RATE_LIMIT_CACHE]
    key = f"comments:confirm:ip:{ip}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # Expired between the two calls: a new hour.
        cache.set(key, 1, timeout=3600)
        count = 1
    return count <= settings.EMAIL_CONFIRMATIONS_PER_IP


@transaction.atomic
def confirm(mailbox: Mailbox, nonce: str, browser: str) -> bool:
    """
    Say yes with the nonce of the newest confirmation link; False if it was used.

    From the browser with the key ``browser``: the address is confirmed, and
    so are the wishes the link is for (``waiting_wishes``); that browser's
    later wishes need no email, and comments posted from it are announced
    when published. A comment of theirs approved before, posted from it,
    whose author asked to be told, is announced now.
    """
    now = timezone.now()
    said_yes_to = list(waiting_wishes(mailbox, browser).values_list("pk", flat=True))
    confirmed = (
        Mailbox.objects.filter(pk=mailbox.pk, confirmation_nonce=nonce)
        .exclude(confirmation_nonce="")
        .update(confirmed_at=Coalesce("confirmed_at", Value(now)), confirmation_nonce="")
    )
    if not confirmed:
        return False
    Subscription.objects.filter(pk__in=said_yes_to).update(confirmed_at=now)
    ConfirmedBrowser.objects.get_or_create(mailbox=mailbox, trust_key=browser)
    mailbox.refresh_from_db()
    published = [comment for comment in approvals_in_force(mailbox) if comment.is_approved()]
    queue_news({mailbox.pk: (mailbox, {comment.pk: Reason.PUBLISHED for comment in published})})
    Comment.objects.filter(pk__in=[c.pk for c in published]).update(notify_on_approval=False)
    return True


@transaction.atomic
def leave(request: Unsubscribe) -> None:
    """
    Do what an unsubscribe link says: mute some discussions, stop new articles, or stop all.

    Stopping everything forgets every wish and the confirmation itself: a wish
    ticked later asks for consent again, within the same limits. Doing it
    twice is doing it once.
    """
    mailbox = request.mailbox
    if request.new_articles:
        mailbox.subscriptions.filter(kind=Subscription.Kind.BLOG).delete()
        mailbox.deliveries.filter(kind=Delivery.Kind.ARTICLE, status=Delivery.Status.QUEUED).update(
            status=Delivery.Status.CANCELLED
        )
        return
    if not request.everything:
        mailbox.subscriptions.filter(article__in=request.articles).delete()
        own = [c for c in pending_approvals(mailbox) if c.article_id in request.articles]
        Comment.objects.filter(pk__in=[c.pk for c in own]).update(notify_on_approval=False)
        return
    mailbox.subscriptions.all().delete()
    own = pending_approvals(mailbox)
    Comment.objects.filter(pk__in=[c.pk for c in own]).update(notify_on_approval=False)
    mailbox.deliveries.filter(status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.CANCELLED
    )
    mailbox.browsers.all().delete()
    Mailbox.objects.filter(pk=mailbox.pk).update(confirmed_at=None, confirmation_nonce="")


def announce(comments: Iterable[Comment]) -> None:
    """
    Queue the emails that comments just made public call for: one per recipient.

    Called inside the approval's transaction, so the emails are kept exactly
    when the approval is. To wishes in force only: the author who asked to
    hear of the approval (from a browser they confirmed the address from),
    the followers of the comment a reply answers and of the article; never a
    comment's own author (under any ``+tag``), never a comment twice to one
    mailbox. Authors whose comment was caught as spam are asked for consent now.
    """
    public = [comment for comment in comments if comment.is_approved()]
    if not public:
        return
    news: dict[int, tuple[Mailbox, dict[int, str]]] = {}
    authors = {comment.pk: set(email_hashes(comment.author_email)) for comment in public}

    def tell(mailbox: Mailbox, comment: Comment, reason: str) -> None:
        if reason != Reason.PUBLISHED and mailbox.lookup_hash in authors[comment.pk]:
            return
        # The first reason found is kept: they are looked for most personal first.
        news.setdefault(mailbox.pk, (mailbox, {}))[1].setdefault(comment.pk, reason)

    spent = []
    for comment in public:
        if not comment.author_email:
            continue
        mailbox = Mailbox.objects.by_email(comment.author_email).first()
        if mailbox is not None and mailbox.is_confirmed():
            if comment.notify_on_approval and confirmed_from(mailbox, comment.trust_key):
                tell(mailbox, comment, Reason.PUBLISHED)
                spent.append(comment.pk)
        elif mailbox is not None and mailbox.confirmation_sent_at is None:
            # Wishes never asked about: the comment was caught as spam.
            request_confirmation(mailbox, ip=None)
        elif mailbox is None and comment.notify_on_approval:
            # A wish from before consent was asked for (or from an import).
            request_confirmation(mailbox_for(comment.author_email), ip=None)
    Comment.objects.filter(pk__in=spent).update(notify_on_approval=False)

    confirmed = Subscription.objects.in_force().select_related("mailbox")
    replies: dict[int, list[Comment]] = {}
    on_article: dict[int, list[Comment]] = {}
    for comment in public:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
        on_article.setdefault(comment.article_id, []).append(comment)
    for subscription in confirmed.filter(kind=Subscription.Kind.REPLIES, comment__in=replies):
        for comment in replies[subscription.comment_id]:
            tell(subscription.mailbox, comment, Reason.REPLY)
    for subscription in confirmed.filter(kind=Subscription.Kind.ARTICLE, article__in=on_article):
        for comment in on_article[subscription.article_id]:
            tell(subscription.mailbox, comment, Reason.ARTICLE)
    queue_news(news)


def queue_news(news: dict[int, tuple[Mailbox, dict[int, str]]]) -> None:
    """Write one delivery per mailbox with its notices, leaving out comments already told."""
    told = set(
        Notice.objects.filter(
            delivery__mailbox__in=list(news),
            comment__in={pk for _, notices in news.values() for pk in notices},
            delivery__status__in=[
                Delivery.Status.QUEUED,
                Delivery.Status.SENDING,
                Delivery.Status.SENT,
            ],
        ).values_list("delivery__mailbox_id", "comment_id")
    )
    batch = []
    for mailbox, notices in news.values():
        fresh = {pk: reason for pk, reason in notices.items() if (mailbox.pk, pk) not in told}
        if fresh:
            batch.append((Delivery(mailbox=mailbox, kind=Delivery.Kind.NEWS), fresh))
    if not batch:
        return
    deliveries = Delivery.objects.bulk_create([delivery for delivery, _ in batch])
    Notice.objects.bulk_create(
        Notice(delivery=delivery, comment_id=pk, reason=reason)
        for delivery, (_, fresh) in zip(deliveries, batch, strict=True)
        for pk, reason in fresh.items()
    )
    send_later(deliveries)
