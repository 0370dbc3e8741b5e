from django.contrib import admin, messages
from django.utils.translation import ngettext

from comments.models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["author_name", "article", "status", "created_at", "held_reason"]
    list_filter = ["status"]
    list_select_related = ["article"]
    actions = ["approve"]

    @admin.action(description="Approve selected comments")
    def approve(self, request, queryset):
        count = queryset.exclude(status=Comment.Status.APPROVED).update(
            status=Comment.Status.APPROVED
        )
        self.message_user(
            request,
            ngettext("%d comment approved.", "%d comments approved.", count) % count,
            messages.SUCCESS,
        )
