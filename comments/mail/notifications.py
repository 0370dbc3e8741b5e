"""
Who hears of a held comment: the moderators and superusers, each by an email of their own.

The emails go through the same outbox as readers' (comments/mail/delivery.py): one
row per moderator, written in the transaction that stores the comment, sent
by the email worker outside the request, so a slow or broken mail server never
slows or breaks a submission, and no crash loses one. Nobody sees another's
address, and no header carries the commenter's.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q

from comments.encryption import canonical_email
from comments.mail.delivery import send_later
from comments.models import Comment, Delivery

MODERATORS_GROUP = "Moderators"


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


def notify_moderators(comment: Comment) -> None:
    """
    Tell moderators about a new comment that waits for them; nothing for others.

    The email is composed when it is sent: a comment decided by then is not
    announced any more.
    """
    if comment.status != Comment.Status.PENDING:
        return
    deliveries = [
        Delivery(kind=Delivery.Kind.HELD, held_comment=comment, staff_address=address)
        for address in moderator_addresses()
    ]
    send_later(Delivery.objects.bulk_create(deliveries))
