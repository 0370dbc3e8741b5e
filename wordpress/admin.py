from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import ngettext

from comments.models import Comment
from wordpress.models import Mention


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    """Pingbacks and trackbacks: approved ones are shown under "Mentioned elsewhere"."""

    list_display = ["title", "article", "kind", "status", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["article"]
    search_fields = ["title", "url", "excerpt"]
    date_hierarchy = "created_at"
    fields = ["article", "kind", "title", "url", "excerpt", "status", "created_at"]
    raw_id_fields = ["article"]
    actions = ["approve", "remove"]

    @admin.action(description="Approve the selected mentions")
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, Comment.Status.APPROVED, "approved")

    @admin.action(description="Remove the selected mentions")
    def remove(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, Comment.Status.REMOVED, "removed")

    def _set_status(self, request: HttpRequest, queryset: QuerySet, status: str, done: str):
        count = queryset.update(status=status)  # MentionQuerySet.update marks the articles
        message = ngettext("%(count)d mention %(done)s.", "%(count)d mentions %(done)s.", count)
        self.message_user(request, message % {"count": count, "done": done}, messages.SUCCESS)
