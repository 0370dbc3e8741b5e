"""
The fediverse in the admin: who follows the blog, and what waits to be delivered or
failed (with the inbox's answer), for staff to see and send again.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext

from federation.models import Follower, Outgoing


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin):
    list_display = ["handle", "inbox", "created_at"]
    list_select_related = ["actor"]
    search_fields = ["actor__handle"]
    date_hierarchy = "created_at"
    readonly_fields = ["actor", "follow_id", "created_at"]

    @admin.display(description="account", ordering="actor__handle")
    def handle(self, follower: Follower) -> str:
        return follower.actor.handle

    @admin.display(description="delivered to")
    def inbox(self, follower: Follower) -> str:
        return follower.actor.delivery_inbox()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Outgoing)
class OutgoingAdmin(admin.ModelAdmin):
    list_display = ["kind", "inbox", "status", "attempts", "due_at", "sent_at", "last_error"]
    list_filter = ["status"]
    search_fields = ["inbox", "activity_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "inbox",
        "activity_id",
        "activity",
        "status",
        "created_at",
        "due_at",
        "attempts",
        "sent_at",
        "last_error",
    ]
    actions = ["send_again"]

    @admin.display(description="activity")
    def kind(self, outgoing: Outgoing) -> str:
        return str(outgoing.activity.get("type", "?"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Send the selected failed deliveries again")
    def send_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Failed ones only, as new: the worker's recovery queues them within seconds."""
        count = queryset.filter(status=Outgoing.Status.FAILED).update(
            status=Outgoing.Status.QUEUED,
            attempts=0,
            due_at=timezone.now(),
            queued_at=None,
            last_error="",
        )
        self.message_user(
            request,
            ngettext("%d delivery will be sent again.", "%d deliveries will be sent again.", count)
            % count,
            messages.SUCCESS,
        )
