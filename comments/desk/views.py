"""
The desk's own views, beside the admin's: one-click decisions, undo, replies,
and finding a commenter by email. ``CommentAdmin`` (comments/desk/admin.py) takes
them in as a mixin, so they run inside the admin: its login, permissions,
CSRF protection, history and messages.

Each answers a browser's form post with a redirect back (303) and a message,
and the desk's script (it asks for JSON) with JSON, so that the same POST can
act in place. A refusal changes nothing and says why, with the fitting status.
Nothing changes on a GET: mail scanners follow links.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters

from comments.desk.operations import (
    EDITED_SINCE,
    STATUS_WORDS,
    FindCommenterForm,
    SiteReplyForm,
    publish_site_reply,
    remember_commenter,
    remember_decision,
    stale_sentence,
    undo_decision,
    undo_sentences,
)
from comments.models import Comment
from comments.moderation import StatusChange, change_status, refusal
from comments.privacy.rights import NO_DATA
from lib.refusal import Refusal

Status = Comment.Status
COMMENTER_VAR = "commenter"
# The digest of the text a moderator saw (Comment.text_digest), carried by each decision.
TEXT_VAR = "text"

NOT_A_MODERATOR = (
    "You may not moderate comments; ask an administrator to add you to the "
    "Moderators group. Nothing was changed."
)


def status_counts() -> dict[str, int]:
    """How many comments each status has, every status present."""
    counts = dict(Comment.objects.order_by().values_list("status").annotate(count=Count("pk")))
    return {status: counts.get(status, 0) for status in Status.values}


class DeskViews:
    """The desk's views, for ``CommentAdmin``; see the module's docstring."""

    def get_urls(self):
        view = self.admin_site.admin_view  # Login, staff, CSRF, no caching.
        name = "comments_comment_{}".format
        return [
            path(
                "find-commenter/",
                # A crash report (an error email, a debug page) shows no address either.
                view(sensitive_post_parameters("email")(self.find_commenter_view)),
                name=name("find_commenter"),
            ),
            path("undo/<str:token>/", view(self.undo_view), name=name("undo")),
            path(
                "<path:object_id>/decide/<str:status>/",
                view(self.decide_view),
                name=name("decide"),
            ),
            path("<path:object_id>/reply/", view(self.reply_view), name=name("reply")),
            *super().get_urls(),
        ]

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
            text = request.GET.get(TEXT_VAR)
            texts = {comment.pk: text} if text else None
            result = change_status(comment, status, by=request.user, seen=seen, texts=texts)
            if result.edited:
                raise Refusal("Nothing was changed: " + EDITED_SINCE, 409)
            if result.stale:
                raise Refusal(stale_sentence(comment), 409)
            if result.refused:
                raise Refusal(refusal(comment, status) + " Nothing was changed.", 409)
            if result.unchanged:
                raise Refusal(
                    f"This comment is already {STATUS_WORDS[status]}; nothing was changed.", 409
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
            form = SiteReplyForm(initial={"seen": comment.status, "text": comment.text_digest()})
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
                comment,
                form.cleaned_data["body"],
                by=request.user,
                seen=form.cleaned_data["seen"],
                text=form.cleaned_data["text"],
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


def edited_sentence(count: int) -> str:
    """What to tell a moderator whose bulk action skipped comments edited since the page loaded."""
    return ngettext(
        "The text of %(count)d selected comment was changed after the page was loaded (by its "
        "author, or another moderator); it was left as it is. Read it again, then decide.",
        "The texts of %(count)d selected comments were changed after the page was loaded (by "
        "their authors, or another moderator); they were left as they are. Read them again, "
        "then decide.",
        count,
    ) % {"count": count}


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
