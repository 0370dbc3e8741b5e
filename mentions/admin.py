"""
Mentions in the admin: the queue of held ones, and the Webmentions the site sent.

Pingbacks, trackbacks and Webmentions are moderated like comments: approved
ones are shown under "Mentioned elsewhere". Moderators (the group) may view and
change them; the outgoing Webmentions are a log to read.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import ngettext

from comments.models import Comment
from mentions.models import Mention, Outgoing


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    """The mentions: held ones wait here ("Pending"), approved ones are on the article."""

    list_display = ["title", "author_name", "article", "kind", "status", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["article"]
    search_fields = ["title", "url", "excerpt", "author_name"]
    date_hierarchy = "created_at"
    fields = [
        "article",
        "kind",
        "title",
        "url",
        "author_name",
        "excerpt",
        "status",
        "created_at",
        "verified_at",
    ]
    readonly_fields = ["verified_at"]
    raw_id_fields = ["article"]
    actions = ["approve", "remove"]

    @admin.action(description="Approve the selected mentions", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, Comment.Status.APPROVED, "approved")

    @admin.action(description="Remove the selected mentions", permissions=["change"])
    def remove(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, Comment.Status.REMOVED, "removed")

    def _set_status(self, request: HttpRequest, queryset: QuerySet, status: str, done: str):
        count = queryset.update(status=status)  # MentionQuerySet.update marks the articles
        message = ngettext("%(count)d mention %(done)s.", "%(count)d mentions %(done)s.", count)
        self.message_user(request, message % {"count": count, "done": done}, messages.SUCCESS)


@admin.register(Outgoing)
class OutgoingAdmin(admin.ModelAdmin):
    """What the site told the pages its articles link to, and how each answered."""

    list_display = ["target", "article", "status", "answer", "attempts", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["article"]
    search_fields = ["target", "endpoint"]
    fields = list_display[:1] + ["endpoint", "article", "status", "answer", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
