"""
The site's emails in the admin: every delivery, and why a failed one failed.

Read-only: the outbox is written by approvals and the comment form, and
emptied by the email worker (comments/mail/delivery.py). Moderators may look
(the Moderators group has ``view_delivery``); staff who may change
deliveries can send failed ones again. No address is shown here: a
delivery names its mailbox by number, and the mail server's answer is
stored without the address.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext

from comments.mail.delivery import send_later
from comments.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "status", "attempts", "due_at", "sent_at", "last_error"]
    list_filter = ["status", "kind"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    actions = ["send_again"]
    fields = [
        "mailbox",
        "held_comment",
        "held_item",
        "kind",
        "status",
        "created_at",
        "due_at",
        "attempts",
        "sent_at",
        "last_error",
        "about",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="comments announced")
    def about(self, delivery: Delivery) -> str:
        notices = delivery.notices.select_related("comment__article")
        return (
            "; ".join(
                f"{notice.get_reason_display()}: comment {notice.comment_id} on “"
                f"{notice.comment.article.title}”"
                for notice in notices
            )
            or "—"
        )

    @admin.action(description="Send the selected failed emails again", permissions=["change"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        failed = list(queryset.filter(status=Delivery.Status.FAILED))
        with transaction.atomic():  # queued and marked queued (send_later) at once
            Delivery.objects.filter(pk__in=[d.pk for d in failed]).update(
                status=Delivery.Status.QUEUED, attempts=0, due_at=timezone.now()
            )
            send_later(failed)
        self.message_user(
            request,
            ngettext("%d email will be sent again.", "%d emails will be sent again.", len(failed))
            % len(failed),
            messages.SUCCESS,
        )
