"""
The moderation desk: the comment queue, its one-click decisions, replies, undo,
the bulk actions, and the rules page.

Every status change goes through ``comments.actions.change_status``, from the
row buttons, the bulk actions, the change form and undo alike. The row buttons
post to ``decide_view``, which answers a browser with a redirect back and a
message (with an Undo button), and the desk's script (static/admin-desk/desk.js)
with JSON, so that it can act in place. Nothing changes on a GET.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import ngettext

from comments.actions import StatusChange, change_status, refusal
from comments.admin_privacy import (
    erase_commenters_and_text,
    erase_commenters_keep_text,
    export_commenters,
)
from comments.desk import (
    STATUS_WORDS,
    FindCommenterForm,
    Refusal,
    SiteReplyForm,
    commenter_ids,
    publish_site_reply,
    remember_commenter,
    remember_decision,
    stale_sentence,
    undo_decision,
    undo_sentences,
)
from comments.models import Comment, ModerationSettings
from comments.privacy import NO_DATA
from comments.templatetags.comments_admin import undo_tag

BOTH_PAGES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]
Status = Comment.Status
COMMENTER_VAR = "commenter"
# Where a long comment is folded in the queue (characters), and how much shows folded.
FOLD_OVER = 900
FOLD_SHOWING = 600

# A row's buttons: what each decision is called for a comment in each status.
DECISIONS = {
    Status.PENDING: [
        (Status.APPROVED, "Approve"),
        (Status.SPAM, "Spam"),
        (Status.REMOVED, "Remove"),
    ],
    Status.APPROVED: [
        (Status.PENDING, "Unapprove"),
        (Status.SPAM, "Spam"),
        (Status.REMOVED, "Remove"),
    ],
    Status.SPAM: [
        (Status.APPROVED, "Approve"),
        (Status.PENDING, "Not spam"),
        (Status.REMOVED, "Remove"),
    ],
    Status.REMOVED: [
        (Status.APPROVED, "Approve"),
        (Status.PENDING, "Restore"),
        (Status.SPAM, "Spam"),
    ],
}
# The desk script's keys for decisions (README, "Moderation").
KEYS = {Status.APPROVED: "a", Status.SPAM: "s", Status.REMOVED: "r"}

NOT_A_MODERATOR = (
    "You may not moderate comments; ask an administrator to add you to the "
    "Moderators group. Nothing was changed."
)


def status_counts() -> dict[str, int]:
    """How many comments each status has, every status present."""
    counts = dict(Comment.objects.order_by().values_list("status").annotate(count=Count("pk")))
    return {status: counts.get(status, 0) for status in Status.values}


def queue_status(params) -> str:
    """
    The status the queue shows for these query parameters: pending unless chosen.

    A search, or a commenter found by email, looks through every status: a
    moderator looking someone up wants their whole history.
    """
    if chosen := params.get(StatusFilter.parameter_name):
        return chosen
    if params.get(SEARCH_VAR) or params.get(COMMENTER_VAR):
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
    session (comments/desk.py). Shown in the sidebar only while one is chosen.
    """

    title = "commenter found by email"
    parameter_name = COMMENTER_VAR

    def lookups(self, request, model_admin):
        if not (token := self.value()):
            return []
        ids = commenter_ids(request.session, token)
        if ids is None:
            return [(token, "The search has expired: find them again")]
        count = len(ids)
        label = ngettext(
            "The address searched for (%(count)d comment)",
            "The address searched for (%(count)d comments)",
            count,
        )
        return [(token, label % {"count": count})]

    def queryset(self, request, queryset):
        if not (token := self.value()):
            return queryset
        return queryset.filter(pk__in=commenter_ids(request.session, token) or [])


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


def fold(body: str) -> tuple[str, str]:
    """A long comment cut in two at a space, the second part to be folded away; else (body, "")."""
    if len(body) <= FOLD_OVER:
        return body, ""
    cut = body.rfind(" ", 0, FOLD_SHOWING)
    cut = cut if cut > 0 else FOLD_SHOWING
    return body[:cut], body[cut:].lstrip()


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    form = CommentAdminForm
    list_display = ["author", "comment", "in_response_to", "submitted"]
    list_display_links = None
    list_filter = [StatusFilter, CommenterFilter, "article", "created_at"]
    list_select_related = ["article", "parent", "written_by"]
    # The email is encrypted, and a GET search would put it in the access log:
    # addresses are looked up with find_commenter_view instead.
    search_fields = ["author_name", "body", "ip_address"]
    search_help_text = "Searches names, comment text and IP addresses."
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
    ]

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
            self.message_user(request, NOT_A_MODERATOR, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return None

    def get_list_display(self, request: HttpRequest):
        # Only moderators get each row's buttons.
        if self.has_moderate_permission(request):
            return ["author", "comment_with_buttons", "in_response_to", "submitted"]
        return self.list_display

    def desk_context(self, request: HttpRequest) -> dict:
        """What the desk's templates need beside the admin's own context."""
        return {"desk_moderator": self.has_moderate_permission(request)}

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if self.has_view_or_change_permission(request) and (
            refused := self.refuse_unpermitted_action(request, "action")
        ):
            return refused
        token = request.GET.get(COMMENTER_VAR)
        if token and request.method == "GET" and commenter_ids(request.session, token) is None:
            self.message_user(
                request,
                "That search by email has expired (they last an hour): find the commenter again.",
                messages.WARNING,
            )
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
            context["desk_comment"] = self.desk_cell(comment, buttons=context["desk_moderator"])
            context["desk_comments"] = [comment]
        return super().changeform_view(request, object_id, form_url, context)

    def get_readonly_fields(self, request: HttpRequest, obj: Comment | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_moderate_permission(request):
            fields.insert(0, "status")
        return fields

    def view_on_site(self, comment: Comment) -> str | None:
        """Only a published comment can be seen on the site."""
        return comment.get_absolute_url() if comment.is_approved() else None

    # The queue -------------------------------------------------------------

    @admin.display(description="author", ordering="author_name")
    def author(self, comment: Comment) -> str:
        """Name, email, website and IP address, one per line; a site reply says who wrote it."""
        lines = [format_html("<strong>{}</strong>", comment.author_name)]
        if comment.by_site:
            writer = comment.written_by.get_username() if comment.written_by else "a former user"
            lines.append(format_html('<span class="desk-badge">Author</span> by {}', writer))
        if comment.author_email:
            lines.append(format_html('<span class="desk-email">{}</span>', comment.author_email))
        if comment.safe_url:
            lines.append(
                format_html(
                    '<a href="{}" rel="nofollow noopener noreferrer">{}</a>',
                    comment.safe_url,
                    Truncator(comment.safe_url).chars(50),
                )
            )
        if comment.ip_address:
            lines.append(comment.ip_address)
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description="comment")
    def comment(self, comment: Comment) -> str:
        return self.desk_cell(comment, buttons=False)

    @admin.display(description="comment")
    def comment_with_buttons(self, comment: Comment) -> str:
        return self.desk_cell(comment, buttons=True)

    def desk_cell(self, comment: Comment, *, buttons: bool) -> str:
        """The whole comment, what it answers, why it was held, and buttons for moderators."""
        head, tail = fold(comment.body)
        name = comment.author_name
        decisions = [
            {
                "status": status,
                "label": label,
                "key": KEYS.get(status, ""),
                "url": reverse("admin:comments_comment_decide", args=[comment.pk, status]),
            }
            for status, label in DECISIONS[comment.status]
        ]
        context = {
            "comment": comment,
            "head": head,
            "tail": tail,
            "more_words": len(tail.split()),
            "parent_excerpt": comment.parent and Truncator(comment.parent.body).words(25),
            "parent_url": comment.parent_id
            and reverse("admin:comments_comment_change", args=[comment.parent_id]),
            "change_url": reverse("admin:comments_comment_change", args=[comment.pk]),
            "buttons": buttons,
            "decisions": decisions,
            "can_reply": comment.status in {Status.PENDING, Status.APPROVED},
            "reply_url": reverse("admin:comments_comment_reply", args=[comment.pk]),
            "reply_max_length": SiteReplyForm.base_fields["body"].max_length,
            "author_label": name,
        }
        return render_to_string("admin/comments/comment/_desk_comment.html", context)

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
            comment.created_at.isoformat(),
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

    # Status changes ----------------------------------------------------------

    def save_model(self, request, obj, form, change) -> None:
        """Save edits; a new status goes through ``change_status`` like the actions."""
        if change and "status" in form.changed_data:
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
        """
        shown = queue_status(request.GET)
        seen = shown if shown in Status.values else None
        result = change_status(queryset, status, by=request.user, seen=seen)
        vanished = 0
        if seen and not request.POST.get("select_across"):
            ticked = set(request.POST.getlist(ACTION_CHECKBOX_NAME))
            found = {str(c.pk) for c in [*result.changed, *result.unchanged, *result.refused]}
            vanished = len(ticked - found)
        undo = remember_decision(request.session, result)
        self.report(request, result, undo, vanished=vanished)

    def report(
        self, request: HttpRequest, result: StatusChange, undo: str | None = None, vanished=0
    ) -> None:
        """Tell the moderator what happened; the first message offers Undo."""
        for index, (level, text) in enumerate(outcome(result, vanished)):
            tags = undo_tag(undo) if undo and index == 0 else ""
            self.message_user(request, text, level, extra_tags=tags)

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

    # The desk's own views --------------------------------------------------------

    def get_urls(self):
        def view(function, name: str):
            return self.admin_site.admin_view(function), f"comments_comment_{name}"

        desk = [
            ("find-commenter/", self.find_commenter_view, "find_commenter"),
            ("undo/<str:token>/", self.undo_view, "undo"),
            ("<path:object_id>/decide/<str:status>/", self.decide_view, "decide"),
            ("<path:object_id>/reply/", self.reply_view, "reply"),
        ]
        patterns = []
        for route, function, name in desk:
            wrapped, full_name = view(function, name)
            patterns.append(path(route, wrapped, name=full_name))
        return patterns + super().get_urls()

    def wants_json(self, request: HttpRequest) -> bool:
        """The desk's script asks for JSON; a browser posting a form prefers HTML."""
        return request.get_preferred_type(["text/html", "application/json"]) == "application/json"

    def back(self, request: HttpRequest) -> str:
        """Where the moderator was: the posted ``next`` if it is on this site, else the queue."""
        target = request.POST.get("next", "")
        if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return reverse("admin:comments_comment_changelist")

    def refuse(self, request: HttpRequest, sentence: str, status: int) -> HttpResponse:
        """Change nothing and say why, with the fitting HTTP status."""
        if self.wants_json(request):
            return JsonResponse({"ok": False, "messages": [sentence]}, status=status)
        self.message_user(request, sentence, messages.ERROR)
        context = {
            **self.admin_site.each_context(request),
            "title": "Nothing was changed",
            "back": self.back(request),
            "opts": self.opts,
        }
        return TemplateResponse(
            request, "admin/comments/comment/desk_refused.html", context, status=status
        )

    def checked_moderator(self, request: HttpRequest) -> HttpResponse | None:
        """The refusal for anything but a POST from a moderator; None when all is well."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return self.refuse(
                request,
                "Comments are only changed with the desk's buttons, never by opening a link. "
                "Nothing was changed.",
                405,
            )
        if not self.has_moderate_permission(request):
            return self.refuse(request, NOT_A_MODERATOR, 403)
        return None

    def find_comment(self, request: HttpRequest, object_id: str) -> Comment:
        comment = self.get_object(request, unquote(object_id))
        if comment is None:
            raise Refusal(
                f"There is no comment with the id “{object_id}”: it may have been deleted. "
                "Nothing was changed.",
                status=404,
            )
        return comment

    def answer(self, request: HttpRequest, result: StatusChange, undo: str | None, **extra):
        """A decision made: JSON for the script, else back where the moderator was."""
        if self.wants_json(request):
            statuses = {c.pk: c.status for c in [*result.changed, *result.followed]}
            data = {
                "ok": True,
                "messages": [text for _, text in outcome(result)],
                "undo": undo and reverse("admin:comments_comment_undo", args=[undo]),
                "statuses": statuses,
                "labels": {pk: Status(status).label for pk, status in statuses.items()},
                "counts": status_counts(),
                **extra,
            }
            return JsonResponse(data)
        self.report(request, result, undo)
        return HttpResponseRedirect(self.back(request), status=303)

    def decide_view(self, request: HttpRequest, object_id: str, status: str) -> HttpResponse:
        """One click: give one comment a new status, if it is still as the moderator saw it."""
        if refused := self.checked_moderator(request):
            return refused
        seen = request.POST.get("seen") or None
        try:
            comment = self.find_comment(request, object_id)
            if status not in Status.values:
                raise Refusal(f"“{status}” is not a status a comment can have.", status=404)
            if seen is not None and seen not in Status.values:
                raise Refusal(f"“{seen}” is not a status a comment can have.", status=400)
            result = change_status(comment, status, by=request.user, seen=seen)
            if result.stale:
                raise Refusal(stale_sentence(comment))
            if result.refused:
                raise Refusal(refusal(comment, status) + " Nothing was changed.")
            if result.unchanged:
                raise Refusal(
                    f"This comment is already {STATUS_WORDS[status]}; nothing was changed."
                )
        except Refusal as refused:
            return self.refuse(request, refused.sentence, refused.status)
        return self.answer(request, result, remember_decision(request.session, result))

    def undo_view(self, request: HttpRequest, token: str) -> HttpResponse:
        """Take a decision of this session back."""
        if refused := self.checked_moderator(request):
            return refused
        try:
            undone = undo_decision(request.session, token, by=request.user)
        except Refusal as refused:
            return self.refuse(request, refused.sentence, refused.status)
        sentences = undo_sentences(undone)
        if self.wants_json(request):
            statuses = {c.pk: c.status for result in undone.results for c in result.changed}
            return JsonResponse(
                {
                    "ok": bool(undone.restored),
                    "messages": sentences,
                    "statuses": statuses,
                    "counts": status_counts(),
                },
                status=200 if undone.restored else 409,
            )
        for sentence in sentences:
            level = messages.SUCCESS if sentence.startswith("Undone") else messages.WARNING
            self.message_user(request, sentence, level)
        return HttpResponseRedirect(self.back(request), status=303)

    def reply_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """
        A reply written at the desk, published at once as the site's.

        A pending comment is approved in the same step. GET shows the form
        alone (where the moderator lands when a reply needs correcting).
        """
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            comment = self.find_comment(request, object_id)
        except Refusal as refused:
            return self.refuse(request, refused.sentence, refused.status)
        if request.method != "POST":
            form = SiteReplyForm(initial={"seen": comment.status})
            return self.reply_page(request, comment, form)
        if not self.has_moderate_permission(request):
            return self.refuse(request, NOT_A_MODERATOR, 403)
        form = SiteReplyForm(request.POST)
        if not form.is_valid():
            if self.wants_json(request):
                errors = [str(error) for errors in form.errors.values() for error in errors]
                return JsonResponse({"ok": False, "messages": errors}, status=400)
            return self.reply_page(request, comment, form, status=400)
        try:
            published = publish_site_reply(
                comment, form.cleaned_data["body"], by=request.user, seen=form.cleaned_data["seen"]
            )
        except Refusal as refused:
            return self.refuse(request, refused.sentence, refused.status)
        reply = published.reply
        sentence = f"Your reply to {comment.author_name} is published on “{reply.article.title}”."
        approval = published.approval or StatusChange(Status.APPROVED)
        undo = remember_decision(request.session, approval)
        if self.wants_json(request):
            return self.answer(
                request,
                approval,
                undo,
                reply={"message": sentence, "url": reply.get_absolute_url()},
            )
        self.message_user(request, sentence, messages.SUCCESS)
        if approval.changed:
            self.report(request, approval, undo)
        return HttpResponseRedirect(self.back(request), status=303)

    def reply_page(
        self, request: HttpRequest, comment: Comment, form: SiteReplyForm, status: int = 200
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            **self.desk_context(request),
            "title": f"Reply to {comment.author_name}",
            "opts": self.opts,
            "comment": comment,
            "desk_comment": self.desk_cell(comment, buttons=False),
            "form": form,
            "back": self.back(request),
        }
        return TemplateResponse(
            request, "admin/comments/comment/desk_reply.html", context, status=status
        )

    def find_commenter_view(self, request: HttpRequest) -> HttpResponse:
        """
        Find a commenter's comments by email, by POST: the address never enters a URL.

        The queue then shows them (every status) under a random token; from
        there the data-rights actions (export, erase) act on them.
        """
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        form = FindCommenterForm(request.POST if request.method == "POST" else None)
        status = 400 if form.is_bound and not form.is_valid() else 200
        if form.is_valid():
            token, count = remember_commenter(request.session, form.cleaned_data["email"])
            if count:
                found = ngettext(
                    "%(count)d comment was left with that address.",
                    "%(count)d comments were left with that address.",
                    count,
                ) % {"count": count}
                self.message_user(request, found, messages.SUCCESS)
                queue = reverse("admin:comments_comment_changelist")
                return HttpResponseRedirect(f"{queue}?{COMMENTER_VAR}={token}", status=303)
            form.add_error("email", NO_DATA)
        context = {
            **self.admin_site.each_context(request),
            "title": "Find a commenter by email",
            "opts": self.opts,
            "form": form,
        }
        return TemplateResponse(
            request, "admin/comments/comment/find_commenter.html", context, status=status
        )


def outcome(result: StatusChange, vanished: int = 0) -> list[tuple[int, str]]:
    """
    What to tell the moderator, one sentence per outcome, each in the singular or plural.

    ``vanished`` counts comments ticked that had left the queue shown before
    the action ran (the admin hands over only those still in it).
    """
    sentences = []
    if count := len(result.changed):
        sentences.append((messages.SUCCESS, DONE[result.status](count) % {"count": count}))
    if count := len(result.followed):
        message = (
            ngettext(
                "%(count)d approved reply was moved back to pending along with the comment "
                "it answers.",
                "%(count)d approved replies were moved back to pending along with the "
                "comments they answer.",
                count,
            )
            if result.status == Status.PENDING
            else ngettext(
                "%(count)d approved reply was removed along with the comment it answers.",
                "%(count)d approved replies were removed along with the comments they answer.",
                count,
            )
        )
        sentences.append((messages.WARNING, message % {"count": count}))
    if count := len(result.unchanged):
        label = Status(result.status).label.lower()
        message = ngettext(
            "%(count)d comment was already %(status)s; it was left as it was.",
            "%(count)d comments were already %(status)s; they were left as they were.",
            count,
        )
        sentences.append((messages.WARNING, message % {"count": count, "status": label}))
    if count := len(result.stale) + vanished:
        message = ngettext(
            "%(count)d selected comment had been changed since the page was loaded, by another "
            "moderator; it was left as it is now.",
            "%(count)d selected comments had been changed since the page was loaded, by another "
            "moderator; they were left as they are now.",
            count,
        )
        sentences.append((messages.WARNING, message % {"count": count}))
    if count := len(result.refused):
        message = ngettext(
            "%(count)d reply was not approved, because the comment it answers is not "
            "approved: approve that comment first.",
            "%(count)d replies were not approved, because the comments they answer are not "
            "approved: approve those comments first.",
            count,
        )
        sentences.append((messages.ERROR, message % {"count": count}))
    return sentences


DONE = {
    Status.APPROVED: lambda n: ngettext(
        "%(count)d comment approved.", "%(count)d comments approved.", n
    ),
    Status.SPAM: lambda n: ngettext(
        "%(count)d comment marked as spam.", "%(count)d comments marked as spam.", n
    ),
    Status.REMOVED: lambda n: ngettext(
        "%(count)d comment removed.", "%(count)d comments removed.", n
    ),
    Status.PENDING: lambda n: ngettext(
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
