"""
The moderation desk: the comment queue, each comment's page, the bulk actions,
and the rules page.

Each row of the queue shows a comment whole, with a button per decision and a
reply form; those post to the desk's views (comments/desk/views.py), and the
desk's script (static/admin-desk/desk.js) sends the same posts to act in place.
Every status change goes through ``comments.moderation.change_status``, from the
row buttons, the bulk actions, the change form and undo alike.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime

from comments.desk import sentences
from comments.desk.forms import CommentAdminForm
from comments.desk.operations import (
    commenter_ids,
    from_addresses,
    remember_decision,
    same_commenter,
)
from comments.desk.staff_edits import REVISED_FIELDS, keep_edit, may_publish_edits
from comments.desk.views import (
    COMMENTER_VAR,
    SAME_COMMENTER_VAR,
    TEXT_VAR,
    DeskViews,
    status_counts,
)
from comments.models import Comment, ModerationSettings
from comments.moderation import change_status
from comments.privacy.admin import (
    erase_commenters_and_text,
    erase_commenters_keep_text,
    export_commenters,
)
from comments.spam_filter.admin import SpamScoreFilter, learning_sentence, spam_score_column
from lib.text import parse_id

BOTH_PAGES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]
# Query parameters of the queue that are no search or filter: status tab, order, page.
QUEUE_ONLY = {"status", "o", "p"}
Status = Comment.Status


def queue_status(params) -> str:
    """
    The status the queue shows for these query parameters: pending unless chosen.

    A search, or a commenter found by email, looks through every status: a
    moderator looking someone up wants their whole history.
    """
    if chosen := params.get(StatusFilter.parameter_name):
        return chosen
    if params.get(SEARCH_VAR) or params.get(COMMENTER_VAR) or params.get(SAME_COMMENTER_VAR):
        return StatusFilter.ALL
    return Status.PENDING


class StatusFilter(admin.SimpleListFilter):
    """Status, with the queue (pending) chosen when nothing is, and a count beside each."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        self.counts = status_counts()
        return [(status, f"{label} ({self.counts[status]})") for status, label in Status.choices]

    def value(self) -> str:
        return queue_status({**self.request.GET.dict(), **self.used_parameters})

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
                "status": lookup,
                "label": Status(lookup).label,
                "count": self.counts[lookup],
            }
        yield {
            "selected": self.value() == self.ALL,
            "query_string": changelist.get_query_string({self.parameter_name: self.ALL}),
            "display": "All",
            "status": self.ALL,
            "label": "All",
            "count": sum(self.counts.values()),
        }

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())


class CommenterFilter(admin.SimpleListFilter):
    """
    The comments of a commenter found with "Find a commenter by email".

    The URL holds a random token, never the address: the ids found wait in the
    session (comments/desk/operations.py). Shown in the sidebar only while one is chosen.
    """

    title = "commenter found by email"
    parameter_name = COMMENTER_VAR

    def lookups(self, request, model_admin):
        if not (token := self.value()):
            return []
        ids = commenter_ids(request.session, token)
        if ids is None:
            return [(token, sentences.SEARCH_EXPIRED_LABEL)]
        return [(token, sentences.commenter_search(len(ids)))]

    def queryset(self, request, queryset):
        # Only asked when a token was given (lookups() offers nothing otherwise).
        return queryset.filter(pk__in=commenter_ids(request.session, self.value()) or [])


class SameCommenterFilter(admin.SimpleListFilter):
    """
    Every comment by the commenter of one comment: a row's email links here.

    The URL names that comment's id; its email's keyed hash finds the others
    (comments/desk/operations.py), so no address or hash is ever in a URL.
    """

    title = "commenter"
    parameter_name = SAME_COMMENTER_VAR

    def lookups(self, request, model_admin):
        if self.value() is None:
            return []
        chosen = parse_id(self.value())
        if chosen is None or (comment := Comment.objects.filter(pk=chosen).first()) is None:
            # Shown, and so applied: a forged or deleted id lists nothing.
            return [(self.value(), sentences.NO_SUCH_COMMENTER)]
        return [(self.value(), sentences.same_commenter(comment))]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return same_commenter(queryset, parse_id(self.value()))


@admin.register(Comment)
class CommentAdmin(DeskViews, admin.ModelAdmin):
    form = CommentAdminForm
    list_display = ["author", "comment", spam_score_column, "in_response_to", "submitted"]
    list_display_links = None
    list_filter = [
        StatusFilter,
        SpamScoreFilter,
        CommenterFilter,
        SameCommenterFilter,
        "article",
        "created_at",
    ]
    list_select_related = ["article", "parent", "written_by"]
    # The email is encrypted, and a GET search would put it in the access log:
    # addresses are looked up with find_commenter_view instead.
    # IP addresses are searched whole, or by network (get_search_results).
    search_fields = ["author_name", "body"]
    search_help_text = (
        "Searches names and comment text. An IP address finds that address; "
        "a network, such as 203.0.113.0/24, every address in it."
    )
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
        ("Author", {"fields": ["author_name", "author_email", "author_url", "site_reply"]}),
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
        ("Earlier versions", {"fields": ["author_changes"]}),
    ]
    readonly_fields = [
        "author_email",
        "site_reply",
        "article_link",
        "parent_link",
        "created_at",
        "ip_address",
        "user_agent",
        "held_reason",
        "notify_on_approval",
        "author_changes",
    ]

    # Roles -----------------------------------------------------------------

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
            self.message_user(request, sentences.NOT_A_MODERATOR, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return None

    def get_list_display(self, request: HttpRequest):
        # Only moderators get each row's buttons.
        if self.has_moderate_permission(request):
            return [
                "author_with_tools",
                "comment_with_buttons",
                spam_score_column,
                "in_response_to",
                "submitted",
            ]
        return self.list_display

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if self.has_view_or_change_permission(request) and (
            refused := self.refuse_unpermitted_action(request, "action")
        ):
            return refused
        token = request.GET.get(COMMENTER_VAR)
        if token and request.method == "GET" and commenter_ids(request.session, token) is None:
            self.message_user(request, sentences.SEARCH_EXPIRED, messages.WARNING)
        status = queue_status(request.GET)
        titles = {
            Status.PENDING: "Comments awaiting moderation",
            Status.APPROVED: "Approved comments",
            Status.SPAM: "Spam",
            Status.REMOVED: "Removed comments",
        }
        context = {
            **self.desk_context(request),
            "title": "Comments found by email" if token else titles.get(status, "All comments"),
            "spam_learning": learning_sentence(),
            # The folded search and filters open when one of them is in use.
            "desk_tools_open": any(name not in QUEUE_ONLY for name in request.GET),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if self.has_view_or_change_permission(request) and (
            refused := self.refuse_unpermitted_action(request, "CHANGE_FORM-action")
        ):
            return refused
        context = {**self.desk_context(request), **(extra_context or {})}
        if object_id and (comment := self.get_object(request, unquote(object_id))):
            context["desk_comment"] = self.desk_cell(
                comment, buttons=context["desk_moderator"], on_its_page=True
            )
            context["desk_comments"] = [comment]
        return super().changeform_view(request, object_id, form_url, context)

    def get_readonly_fields(self, request: HttpRequest, obj: Comment | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_moderate_permission(request):
            fields.insert(0, "status")
        return fields

    def get_queryset(self, request: HttpRequest):
        # With how often each author edited their comment, for the desk's note.
        return super().get_queryset(request).with_author_edits()

    def view_on_site(self, comment: Comment) -> str | None:
        """Only a published comment can be seen on the site."""
        return comment.get_absolute_url() if comment.is_approved() else None

    # The queue -------------------------------------------------------------

    @admin.display(description="author", ordering="author_name")
    def author(self, comment: Comment, tools: bool = False) -> str:
        """
        Name, email, website and IP address, one per line; a site reply says who wrote it.

        The email and the IP address are filters: every comment by this
        commenter (the URL names this comment, never the address), and every
        comment from this address. ``tools``: for moderators, Block.
        """
        queue = reverse("admin:comments_comment_changelist")
        lines = [format_html("<strong>{}</strong>", comment.author_name)]
        if comment.by_site:
            writer = comment.written_by.get_username() if comment.written_by else "a former user"
            lines.append(format_html('<span class="desk-badge">Author</span> by {}', writer))
        if comment.author_email:
            lines.append(
                format_html(
                    '<a class="desk-email" href="{}?{}={}">{}'
                    '<span class="visually-hidden">: every comment with this email</span></a>',
                    queue,
                    SAME_COMMENTER_VAR,
                    comment.pk,
                    comment.author_email,
                )
            )
        if comment.fediverse_handle:
            # A reply from the fediverse: no email; its author's handle, linked to their profile.
            lines.append(
                format_html(
                    'From the fediverse: <a href="{}" rel="nofollow noopener noreferrer">{}</a>',
                    comment.safe_url,
                    comment.fediverse_handle,
                )
            )
        elif comment.safe_url:
            lines.append(
                format_html(
                    '<a href="{}" rel="nofollow noopener noreferrer">{}</a>',
                    comment.safe_url,
                    Truncator(comment.safe_url).chars(50),
                )
            )
        if comment.ip_address:
            lines.append(
                format_html(
                    '<a href="{}?{}">{}<span class="visually-hidden">: every comment from '
                    "this IP address</span></a>",
                    queue,
                    urlencode({SEARCH_VAR: comment.ip_address}),
                    comment.ip_address,
                )
            )
        if tools and (comment.ip_address or comment.author_email):
            # On the last line, beside the address it blocks: the row grows no taller.
            lines[-1] = format_html("{} {}", lines[-1], self.block_tools(comment))
        # One line each on a laptop; on a phone they flow together (desk.css).
        return format_html_join("", '<div class="desk-line">{}</div>', ((line,) for line in lines))

    @admin.display(description="author", ordering="author_name")
    def author_with_tools(self, comment: Comment) -> str:
        return self.author(comment, tools=True)

    @admin.display(description="comment")
    def comment(self, comment: Comment) -> str:
        return self.desk_cell(comment, buttons=False)

    @admin.display(description="comment")
    def comment_with_buttons(self, comment: Comment) -> str:
        return self.desk_cell(comment, buttons=True)

    @admin.display(description="in response to", ordering="article__title")
    def in_response_to(self, comment: Comment) -> str:
        article = comment.article
        link = format_html('<a href="{}">{}</a>', article.get_absolute_url(), article.title)
        if not comment.is_approved():
            return link
        return format_html(
            '{}<br><a class="desk-permalink" href="{}">View the comment</a>',
            link,
            comment.get_absolute_url(),
        )

    @admin.display(description="submitted on", ordering="created_at")
    def submitted(self, comment: Comment) -> str:
        return format_html(
            '<time datetime="{}">{}</time>',
            comment.created_at.isoformat(timespec="seconds"),
            date_format(localtime(comment.created_at), "j M Y, H:i"),
        )

    @admin.display(description="written for the site")
    def site_reply(self, comment: Comment) -> str:
        if not comment.by_site:
            return "No: a reader's comment"
        writer = comment.written_by.get_username() if comment.written_by else "a former user"
        return f"Yes, by {writer}; readers see the site's name and an “Author” badge"

    @admin.display(description="article")
    def article_link(self, comment: Comment) -> str:
        return format_html(
            '<a href="{}">{}</a>', comment.article.get_absolute_url(), comment.article
        )

    @admin.display(description="what it said before")
    def author_changes(self, comment: Comment) -> str:
        """Each edit or withdrawal by the author, or by staff, with what it said before."""
        revisions = list(comment.revisions.all())
        if not revisions:
            return "None: the text is as its author posted it."
        rows = [
            render_to_string("admin/comments/comment/_author_change.html", {"revision": revision})
            for revision in revisions
        ]
        return format_html('<ol class="desk-revisions">{}</ol>', mark_safe("".join(rows)))

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

    def get_search_fields(self, request):
        # An encrypted column cannot be searched with SQL, should one be listed.
        return [field for field in super().get_search_fields(request) if field != "author_email"]

    def get_search_results(self, request, queryset, search_term):
        """
        A term with "@" searches nothing: it is an address, or part of one.

        Its words would otherwise go into SQL, and with it into any query log;
        the page says to use "Find a commenter by email" instead.
        """
        if "@" in search_term:
            return queryset.none(), False
        if (found := from_addresses(queryset, search_term)) is not None:
            return found, False
        return super().get_search_results(request, queryset, search_term)

    # Status changes ----------------------------------------------------------

    def save_model(self, request, obj, form, change) -> None:
        """
        Save edits; a new status goes through ``change_status`` like the actions.

        An edit by staff who may not moderate is kept apart and, on a published
        comment, sends it back to the queue (comments/desk/staff_edits.py).
        """
        edited = [name for name in REVISED_FIELDS if name in form.changed_data]
        if change and edited and not may_publish_edits(request.user):
            before = {name: form.initial[name] for name in REVISED_FIELDS}
            super().save_model(request, obj, form, change)
            if keep_edit(obj, before, by=request.user):
                self.message_user(request, sentences.SENT_BACK, messages.WARNING)
        elif change and "status" in form.changed_data:
            new_status, obj.status = obj.status, form.initial["status"]
            super().save_model(request, obj, form, change)
            result = change_status(obj, new_status, by=request.user)
            self.report(request, result, remember_decision(request.session, result))
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
        """
        A bulk action: the comments ticked, if they are still in the status the page showed.

        The admin hands over only the ticked comments still in the queue shown:
        one that another moderator moved meanwhile is missing, and said so.
        A comment's own page is no queue: its form carries the status it showed.
        """
        if "CHANGE_FORM-action" in request.POST:
            shown = request.POST.get("seen")  # change_form.html
        else:
            shown = queue_status(request.GET)
        seen = shown if shown in Status.values else None
        # Each row of the queue carries the text it showed (_desk_comment.html).
        texts = {
            pk: value
            for key, value in request.POST.items()
            if key.startswith(f"{TEXT_VAR}-") and (pk := parse_id(key.removeprefix(f"{TEXT_VAR}-")))
        }
        result = change_status(queryset, status, by=request.user, seen=seen, texts=texts)
        if result.edited:
            self.message_user(request, sentences.edited(len(result.edited)), messages.WARNING)
        vanished = 0
        # The queue's form always sends select_across: "0", or "1" for "Select all".
        across = forms.BooleanField(required=False).clean(request.POST.get("select_across"))
        if seen and not across:
            # Each comment handed over is reported once, under its own reason.
            ticked = set(request.POST.getlist(ACTION_CHECKBOX_NAME))
            handled = [*result.changed, *result.unchanged, *result.refused, *result.stale]
            found = {str(c.pk) for c in [*handled, *result.edited]}
            vanished = len(ticked - found)
        undo = remember_decision(request.session, result)
        self.report(request, result, undo, vanished=vanished)

    @admin.action(
        permissions=["moderate"],
        description="Approve",
        description_plural="Approve selected comments",
        location=BOTH_PAGES,
    )
    def approve(self, request, queryset):
        self.apply(request, queryset, Status.APPROVED)

    @admin.action(
        permissions=["moderate"],
        description="Mark as spam",
        description_plural="Mark selected comments as spam",
        location=BOTH_PAGES,
    )
    def mark_as_spam(self, request, queryset):
        self.apply(request, queryset, Status.SPAM)

    @admin.action(
        permissions=["moderate"],
        description="Remove",
        description_plural="Remove selected comments",
        location=BOTH_PAGES,
    )
    def remove(self, request, queryset):
        self.apply(request, queryset, Status.REMOVED)

    @admin.action(
        permissions=["moderate"],
        description="Back to pending",
        description_plural="Move selected comments back to pending",
        location=BOTH_PAGES,
    )
    def back_to_pending(self, request, queryset):
        self.apply(request, queryset, Status.PENDING)


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin):
    """One page of rules: the list view goes straight to it."""

    fields = [
        "hold_all",
        "link_limit",
        "moderation_words",
        "block_words",
        "blocked_domains",
        "trust_returning",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponseRedirect:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:comments_moderationsettings_change", ModerationSettings.load().pk)
