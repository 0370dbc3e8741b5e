"""
The desk's own views, beside the admin's: one-click decisions, undo, replies,
Block (an IP address or email onto the block list), and finding a commenter
by email; and each row of the queue, a comment whole with its buttons.
``CommentAdmin`` (comments/desk/admin.py) takes them in as a mixin, so they
run inside the admin: its login, permissions, CSRF
protection, history and messages.

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
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.views.decorators.debug import sensitive_post_parameters

from comments.desk import sentences
from comments.desk.forms import FindCommenterForm, SiteReplyForm
from comments.desk.operations import (
    BLOCKABLE,
    block,
    publish_site_reply,
    remember_commenter,
    remember_decision,
    undo_decision,
)
from comments.models import Comment
from comments.moderation import StatusChange, change_status
from comments.privacy.rights import NO_DATA
from comments.spam_filter.admin import spam_context
from comments.templatetags.comments_admin import undo_tag
from comments.text import COMMENT_MAX_LENGTH
from lib.refusal import Refusal

Status = Comment.Status
COMMENTER_VAR = "commenter"
# Every comment by the commenter of the comment with this id (SameCommenterFilter).
SAME_COMMENTER_VAR = "author_of"
# The digest of the text a moderator saw (Comment.text_digest), carried by each decision.
TEXT_VAR = "text"

# Where a long comment is folded in the queue (characters), and how much shows folded:
# up to about 250 words a comment shows whole; a longer one opens with a click or o.
FOLD_OVER = 1500
FOLD_SHOWING = 700

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
# The desk script's keys for decisions, WordPress's where it has one (README,
# "Moderation"): d or t removes (WordPress's trash). Back to pending is u
# (Unapprove) for an approved comment and n (Not spam) for spam; Restore has none.
KEYS = {Status.APPROVED: "a", Status.SPAM: "s", Status.REMOVED: "d t"}
PENDING_KEYS = {Status.APPROVED: "u", Status.SPAM: "n"}


def decision_key(current: str, status: str) -> str:
    """The keys (aria-keyshortcuts) that move a comment from ``current`` to ``status``."""
    if status == Status.PENDING:
        return PENDING_KEYS.get(current, "")
    return KEYS[status]


def status_counts() -> dict[str, int]:
    """How many comments each status has, every status present."""
    counts = dict(Comment.objects.order_by().values_list("status").annotate(count=Count("pk")))
    return {status: counts.get(status, 0) for status in Status.values}


def fold(body: str) -> tuple[str, str]:
    """A long comment cut in two at a space, the second part to be folded away; else (body, "")."""
    if len(body) <= FOLD_OVER:
        return body, ""
    cut = body.rfind(" ", 0, FOLD_SHOWING)
    cut = cut if cut > 0 else FOLD_SHOWING
    return body[:cut], body[cut:].lstrip()


class DeskViews:
    """
    The desk's views, for ``CommentAdmin``; see the module's docstring.

    A mixin over Django's ``ModelAdmin``: besides what it defines here, it
    uses only ``ModelAdmin``'s own API (``admin_site``, ``opts``,
    ``get_object``, ``message_user``, the permission checks).
    """

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("comments.can_moderate")

    def desk_context(self, request: HttpRequest) -> dict:
        """What the desk's templates need beside the admin's own context."""
        return {"desk_moderator": self.has_moderate_permission(request)}

    def desk_cell(self, comment: Comment, *, buttons: bool, on_its_page: bool = False) -> str:
        """
        The whole comment, what it answers, why it was held, and buttons for moderators.

        ``on_its_page``: shown on the comment's own page, which needs no Edit link.
        """
        head, tail = fold(comment.body)
        decisions = self.decisions(comment)
        context = {
            "comment": comment,
            "head": head,
            "tail": tail,
            "more_words": len(tail.split()),
            "parent_excerpt": comment.parent and Truncator(comment.parent.body).words(25),
            "parent_url": comment.parent_id
            and reverse("admin:comments_comment_change", args=[comment.parent_id]),
            "change_url": reverse("admin:comments_comment_change", args=[comment.pk]),
            "on_its_page": on_its_page,
            "buttons": buttons,
            "decisions": decisions,
            "can_reply": comment.status in {Status.PENDING, Status.APPROVED},
            "spam": spam_context(comment),
            "reply_max_length": COMMENT_MAX_LENGTH,
        }
        return render_to_string("admin/comments/comment/_desk_comment.html", context)

    def decisions(self, comment: Comment) -> list[dict[str, str]]:
        """The buttons a comment in its status gets: label, keys, and where each posts."""
        return [
            {
                "status": status,
                "label": label,
                "key": decision_key(comment.status, status),
                # The text the moderator sees: an author's edit since then refuses the click.
                "url": reverse("admin:comments_comment_decide", args=[comment.pk, status])
                + f"?{TEXT_VAR}={comment.text_digest()}",
            }
            for status, label in DECISIONS[comment.status]
        ]

    def row_now(self, comment: Comment) -> dict:
        """
        A comment as it is now, for a row the desk's script refreshes after a refusal.

        Plain data, not HTML: the script builds the row's status, reason, text and
        buttons from it with the DOM, so no markup is parsed from a string.
        """
        return {
            "status": comment.status,
            "label": comment.get_status_display(),
            "held_reason": comment.held_reason if comment.is_held() else "",
            "body": comment.body,
            "text": comment.text_digest(),
            "decisions": self.decisions(comment),
            "can_reply": comment.status in {Status.PENDING, Status.APPROVED},
            "reply_label": "Approve and reply" if comment.status == Status.PENDING else "Reply",
        }

    def block_tools(self, comment: Comment) -> str:
        """A row's Block, folded: one button for its IP address, one for its email."""
        context = {
            "comment": comment,
            "ip_url": reverse("admin:comments_comment_block", args=[comment.pk, "ip"]),
            "email_url": reverse("admin:comments_comment_block", args=[comment.pk, "email"]),
        }
        return render_to_string("admin/comments/comment/_block_tools.html", context)

    def report(
        self, request: HttpRequest, result: StatusChange, undo: str | None = None, vanished=0
    ) -> None:
        """Tell the moderator what happened; the first message offers Undo."""
        for index, (level, text) in enumerate(sentences.outcome(result, vanished)):
            tags = undo_tag(undo) if undo and index == 0 else ""
            self.message_user(request, text, level, extra_tags=tags)

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
            path("<path:object_id>/block/<str:what>/", view(self.block_view), name=name("block")),
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

    def refuse(
        self, request: HttpRequest, sentence: str, status: int, now: dict | None = None
    ) -> HttpResponse:
        """
        Change nothing and say why, with the fitting HTTP status.

        ``now``: the comment as it is now (``row_now``), when the moderator's
        row showed it otherwise, so that the script can show where it stands.
        """
        if self.wants_json(request):
            data = {"ok": False, "messages": [sentence], **({"now": now} if now else {})}
            return JsonResponse(data, status=status)
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
            return self.refuse(request, sentences.NOT_BY_A_LINK, 405)
        if not self.has_moderate_permission(request):
            return self.refuse(request, sentences.NOT_A_MODERATOR, 403)
        return None

    def find_comment(self, request: HttpRequest, object_id: str) -> Comment:
        comment = self.get_object(request, unquote(object_id))
        if comment is None:
            raise Refusal(sentences.no_such_comment(object_id), 404)
        return comment

    def answer(self, request: HttpRequest, result: StatusChange, undo: str | None, **extra):
        """A decision made: JSON for the script, else back where the moderator was."""
        if self.wants_json(request):
            statuses = {c.pk: c.status for c in [*result.changed, *result.followed]}
            data = {
                "ok": True,
                "messages": [text for _, text in sentences.outcome(result)],
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
        comment = None
        try:
            comment = self.find_comment(request, object_id)
            if status not in Status.values:
                raise Refusal(sentences.not_a_status(status), 404)
            if seen is not None and seen not in Status.values:
                raise Refusal(sentences.not_a_status(seen), 400)
            text = request.GET.get(TEXT_VAR)
            texts = {comment.pk: text} if text else None
            result = change_status(comment, status, by=request.user, seen=seen, texts=texts)
            if result.edited:
                raise Refusal(sentences.NOT_CHANGED_EDITED, 409)
            if result.stale:
                raise Refusal(sentences.stale(comment), 409)
            if result.refused:
                raise Refusal(sentences.approval_waits_for_parent(comment), 409)
            if result.unchanged:
                raise Refusal(sentences.already(status), 409)
        except Refusal as refused:
            # A row that showed another status or text is shown as the comment is now.
            fresh = comment and refused.status == 409 and self.get_object(request, comment.pk)
            now = self.row_now(fresh) if fresh else None
            return self.refuse(request, refused.sentence, refused.status, now)
        return self.answer(request, result, remember_decision(request.session, result))

    def undo_view(self, request: HttpRequest, token: str) -> HttpResponse:
        """Take a decision of this session back."""
        if refused := self.checked_moderator(request):
            return refused
        try:
            undone = undo_decision(request.session, token, by=request.user)
        except Refusal as refused:
            return self.refuse(request, refused.sentence, refused.status)
        said = sentences.undone(len(undone.restored), len(undone.stale))
        if self.wants_json(request):
            statuses = {c.pk: c.status for result in undone.results for c in result.changed}
            return JsonResponse(
                {
                    "ok": bool(undone.restored),
                    "messages": [text for _, text in said],
                    "statuses": statuses,
                    "counts": status_counts(),
                },
                status=200 if undone.restored else 409,
            )
        for level, text in said:
            self.message_user(request, text, level)
        return HttpResponseRedirect(self.back(request), status=303)

    def block_view(self, request: HttpRequest, object_id: str, what: str) -> HttpResponse:
        """
        Block: the comment's IP address or email onto the block list, by any moderator.

        Moderators may not edit the rules page; this adds one entry taken from
        a comment they can see, and nothing else.
        """
        if refused := self.checked_moderator(request):
            return refused
        try:
            comment = self.find_comment(request, object_id)
            if what not in BLOCKABLE:
                raise Refusal(sentences.not_blockable(what), 404)
            added = block(comment, what, by=request.user)
        except Refusal as refused:
            return self.refuse(request, refused.sentence, refused.status)
        said = sentences.blocked(comment, what, added)
        if self.wants_json(request):
            return JsonResponse({"ok": True, "messages": [said]})
        self.message_user(request, said, messages.SUCCESS if added else messages.INFO)
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
            return self.refuse(request, sentences.NOT_A_MODERATOR, 403)
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
        sentence = sentences.reply_published(comment, reply)
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
                found = sentences.commenter_found(count)
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
