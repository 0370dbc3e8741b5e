"""
Who hears of what is held (a comment, a mention): moderators and superusers, an email each.

The emails go through the same outbox as readers' (comments/mail/delivery.py): one
row per moderator, written in the transaction that stores the comment, sent
by the email worker outside the request, so a slow or broken mail server never
slows or breaks a submission, and no crash loses one. Nobody sees another's
address, and no header carries the commenter's.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q
from django.utils import timezone

from comments.encryption import canonical_email
from comments.mail.delivery import send_later
from comments.models import Comment, Delivery

MODERATORS_GROUP = "Moderators"
# Items other than comments (mentions from other blogs) are announced at most this often.
OTHER_ITEMS_EVERY = timedelta(minutes=15)


def moderator_addresses() -> list[str]:
    """
    Active members of the Moderators group and superusers with an email, then MANAGERS; each once.

    Superusers hear of held comments without joining the group, as WordPress
    emails its administrator: the first account, made with createsuperuser,
    is told from the first comment on.
    """
    members = (
        get_user_model()
        .objects.filter(Q(groups__name=MODERATORS_GROUP) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
        .distinct()
    )
    unique: dict[str, str] = {}
    for address in [*members, *settings.MANAGERS]:
        unique.setdefault(canonical_email(address), address.strip())
    return list(unique.values())


def notify_moderators(item: Model) -> None:
    """
    Tell moderators about something new that waits for them; nothing for others.

    ``item`` is a comment, or anything else moderated with a comment's statuses
    (a mention from another blog). The email is composed when it is sent: an
    item decided (or gone) by then is not announced any more.
    """
    if item.status != Comment.Status.PENDING:
        return
    if isinstance(item, Comment):
        held = {"held_comment": item}
    elif told_of_one_lately(item):
        return
    else:
        held = {"held_item": item}
    deliveries = [
        Delivery(kind=Delivery.Kind.HELD, staff_address=address, **held)
        for address in moderator_addresses()
    ]
    send_later(Delivery.objects.bulk_create(deliveries))


def told_of_one_lately(item: Model) -> bool:
    """
    Whether the moderators were emailed of another such item (a mention) within
    ``OTHER_ITEMS_EVERY``: a stranger can make any number of pages that link to an
    article, so past the first email the others wait in the queue it links to.
    """
    return Delivery.objects.filter(
        kind=Delivery.Kind.HELD,
        held_type=ContentType.objects.get_for_model(item),
        created_at__gte=timezone.now() - OTHER_ITEMS_EVERY,
    ).exists()
