"""
The moderation desk: the comment queue, its bulk actions, and the rules page.

Every status change goes through ``comments.actions.change_status``, from the
bulk actions and the change form alike.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import ngettext

from comments.actions import StatusChange, change_status, refusal
from comments.admin_privacy import (
    erase_commenters_and_text,
    erase_commenters_keep_text,
    export_commenters,
)
from comments.models import Comment, ModerationSettings

BOTH_PAGES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


class StatusFilter(admin.SimpleListFilter):
    """Status, with the queue (pending) chosen when nothing is, and a count beside each."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        counts = dict(Comment.objects.order_by().values_list("status").annotate(count=Count("pk")))
        return [
            (status, f"{label} ({counts.get(status, 0)})")
            for status, label in Comment.Status.choices
        ]

    def value(self) -> str:
        if chosen := super().value():
            return chosen
        # A search from the queue looks through every status: a moderator
        # looking up a commenter wants their whole history.
        return self.ALL if self.request.GET.get(SEARCH_VAR) else Comment.Status.PENDING

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }
        yield {
            "selected": self.value() == self.ALL,
            "query_string": changelist.get_query_string({self.parameter_name: self.ALL}),
            "display": "All",
        }

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())


class CommentAdminForm(forms.ModelForm):
    """The change form: the status goes through the same rule as the bulk actions."""

    class Meta:
        model = Comment
        fields = ["status", "body", "author_name", "author_url"]

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        if status != self.instance.status and (problem := refusal(self.instance, status)):
            raise forms.ValidationError(problem)
        return status


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    form = CommentAdminForm
    # Name, email, website and IP share one cell so that the queue fits a laptop screen.
    list_display = ["status", "excerpt", "author", "article_title", "created_at", "held_reason"]
    list_display_links = ["excerpt"]
    list_filter = [StatusFilter, "article", "created_at"]
    list_select_related = ["article"]
    search_fields = ["author_name", "author_email", "body", "ip_address"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    actions = [
        "approve",
        "mark_as_spam",
        "remove",
        "back_to_pending",
        export_commenters,
        erase_commenters_keep_text,
        erase_commenters_and_text,
    ]
    fieldsets = [
        (None, {"fields": ["status", "body"]}),
        ("Author", {"fields": ["author_name", "author_email", "author_url"]}),
        (
            "Submission",
            {
                "fields": [
                    "article_link",
                    "parent_link",
                    "created_at",
                    "ip_address",
                    "user_agent",
                    "held_reason",
                    "notify_on_approval",
                ]
            },
        ),
    ]
    readonly_fields = [
        "author_email",
        "article_link",
        "parent_link",
        "created_at",
        "ip_address",
        "user_agent",
        "held_reason",
        "notify_on_approval",
    ]

    # Search ----------------------------------------------------------------

    def get_search_fields(self, request):
        # The email is encrypted: no SQL LIKE can search it, by_email() below does.
        return [field for field in super().get_search_fields(request) if field != "author_email"]

    def get_search_results(self, request, queryset, search_term):
        """Also find comments by their author's whole email address, stored encrypted."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if "@" in search_term:
            results |= queryset.by_email(search_term)
        return results, may_have_duplicates

    # Roles -----------------------------------------------------------------

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("comments.can_moderate")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Comments come from readers, through the rules; never typed in here.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Comment | None = None) -> bool:
        """Deleting outright leaves no trace, so only superusers may; others remove."""
        return request.user.is_superuser

    def refuse_unpermitted_action(self, request: HttpRequest, field: str):
        """An action posted by someone without ``can_moderate``: say so, change nothing."""
        posted = request.POST.get(field) if request.method == "POST" else None
        if posted in self.actions and not self.has_moderate_permission(request):
            self.message_user(
                request,
                "You may not moderate comments; ask an administrator to add you to the "
                "Moderators group. Nothing was changed.",
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
        return None

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if self.has_view_or_change_permission(request) and (
            refused := self.refuse_unpermitted_action(request, "action")
        ):
            return refused
        return super().changelist_view(request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if self.has_view_or_change_permission(request) and (
            refused := self.refuse_unpermitted_action(request, "CHANGE_FORM-action")
        ):
            return refused
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request: HttpRequest, obj: Comment | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_moderate_permission(request):
            fields.insert(0, "status")
        return fields

    def view_on_site(self, comment: Comment) -> str | None:
        """Only a published comment can be seen on the site."""
        return comment.get_absolute_url() if comment.is_approved() else None

    # The queue -------------------------------------------------------------

    @admin.display(description="comment")
    def excerpt(self, comment: Comment) -> str:
        return Truncator(comment.body).chars(80)

    @admin.display(description="author", ordering="author_name")
    def author(self, comment: Comment) -> str:
        """Name, email, website and IP address, one per line."""
        lines = [format_html("<strong>{}</strong>", comment.author_name), comment.author_email]
        if comment.safe_url:
            lines.append(
                format_html(
                    '<a href="{}" rel="nofollow noopener noreferrer">{}</a>',
                    comment.safe_url,
                    Truncator(comment.safe_url).chars(40),
                )
            )
        if comment.ip_address:
            lines.append(comment.ip_address)
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description="article", ordering="article__title")
    def article_title(self, comment: Comment) -> str:
        return Truncator(comment.article.title).chars(40)

    @admin.display(description="article")
    def article_link(self, comment: Comment) -> str:
        return format_html(
            '<a href="{}">{}</a>', comment.article.get_absolute_url(), comment.article
        )

    @admin.display(description="in reply to")
    def parent_link(self, comment: Comment) -> str:
        if comment.parent is None:
            return "—"
        parent = comment.parent
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("admin:comments_comment_change", args=[parent.pk]),
            Truncator(parent.body).chars(80),
            parent.get_status_display(),
        )

    # Status changes ----------------------------------------------------------

    def save_model(self, request, obj, form, change) -> None:
        """Save edits; a new status goes through ``change_status`` like the actions."""
        if change and "status" in form.changed_data:
            new_status, obj.status = obj.status, form.initial["status"]
            super().save_model(request, obj, form, change)
            self.report(request, change_status(obj, new_status, by=request.user))
        else:
            super().save_model(request, obj, form, change)

    def construct_change_message(self, request, form, formsets, add=False):
        """Leave the status out: ``change_status`` has recorded it already."""
        message = super().construct_change_message(request, form, formsets, add)
        status_label = form["status"].label if "status" in form.fields else None
        for entry in message:
            if fields := entry.get("changed", {}).get("fields"):
                entry["changed"]["fields"] = [name for name in fields if name != status_label]
        return [entry for entry in message if entry.get("changed", {}).get("fields", True)]

    def log_change(self, request, obj, message):
        if message:  # Nothing but the status changed: it is in the history already.
            return super().log_change(request, obj, message)
        return None

    def apply(self, request: HttpRequest, queryset, status: str) -> None:
        self.report(request, change_status(queryset, status, by=request.user))

    def report(self, request: HttpRequest, result: StatusChange) -> None:
        """One message per outcome, each in the singular or plural as its count needs."""
        if count := len(result.changed):
            self.message_user(request, DONE[result.status](count) % {"count": count})
        if count := len(result.followed):
            message = (
                ngettext(
                    "%(count)d approved reply was moved back to pending along with the comment "
                    "it answers.",
                    "%(count)d approved replies were moved back to pending along with the "
                    "comments they answer.",
                    count,
                )
                if result.status == Comment.Status.PENDING
                else ngettext(
                    "%(count)d approved reply was removed along with the comment it answers.",
                    "%(count)d approved replies were removed along with the comments they answer.",
                    count,
                )
            )
            self.message_user(request, message % {"count": count}, messages.WARNING)
        if count := len(result.unchanged):
            label = Comment.Status(result.status).label.lower()
            message = ngettext(
                "%(count)d comment was already %(status)s; it was left as it was.",
                "%(count)d comments were already %(status)s; they were left as they were.",
                count,
            )
            self.message_user(
                request, message % {"count": count, "status": label}, messages.WARNING
            )
        if count := len(result.refused):
            message = ngettext(
                "%(count)d reply was not approved, because the comment it answers is not "
                "approved: approve that comment first.",
                "%(count)d replies were not approved, because the comments they answer are not "
                "approved: approve those comments first.",
                count,
            )
            self.message_user(request, message % {"count": count}, messages.ERROR)

    @admin.action(
        permissions=["moderate"],
        description="Approve",
        description_plural="Approve selected comments",
        location=BOTH_PAGES,
    )
    def approve(self, request, queryset):
        self.apply(request, queryset, Comment.Status.APPROVED)

    @admin.action(
        permissions=["moderate"],
        description="Mark as spam",
        description_plural="Mark selected comments as spam",
        location=BOTH_PAGES,
    )
    def mark_as_spam(self, request, queryset):
        self.apply(request, queryset, Comment.Status.SPAM)

    @admin.action(
        permissions=["moderate"],
        description="Remove",
        description_plural="Remove selected comments",
        location=BOTH_PAGES,
    )
    def remove(self, request, queryset):
        self.apply(request, queryset, Comment.Status.REMOVED)

    @admin.action(
        permissions=["moderate"],
        description="Back to pending",
        description_plural="Move selected comments back to pending",
        location=BOTH_PAGES,
    )
    def back_to_pending(self, request, queryset):
        self.apply(request, queryset, Comment.Status.PENDING)


DONE = {
    Comment.Status.APPROVED: lambda n: ngettext(
        "%(count)d comment approved.", "%(count)d comments approved.", n
    ),
    Comment.Status.SPAM: lambda n: ngettext(
        "%(count)d comment marked as spam.", "%(count)d comments marked as spam.", n
    ),
    Comment.Status.REMOVED: lambda n: ngettext(
        "%(count)d comment removed.", "%(count)d comments removed.", n
    ),
    Comment.Status.PENDING: lambda n: ngettext(
        "%(count)d comment moved back to pending.", "%(count)d comments moved back to pending.", n
    ),
}


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin):
    """One page of rules: the list view goes straight to it."""

    fields = ["hold_all", "link_limit", "moderation_words", "block_words", "trust_returning"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponseRedirect:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:comments_moderationsettings_change", ModerationSettings.load().pk)
