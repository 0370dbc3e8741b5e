"""
The comment POST, the form stamp, and the author's edit and withdrawal, as HTTP.

Each view reads the request, asks the service that decides or does the work
(``intake.review`` then ``service.store``; ``editing.edit`` and ``withdraw``),
and turns its outcome into a response: a redirect to the comment, the form
again with its errors, or a refusal with what was typed.
"""

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from blog.models import Article
from comments.models import Comment
from comments.posting.editing import edit, withdraw
from comments.posting.intake import Outcome, Submission, Verdict, review
from comments.posting.origin import cross_site_refusal
from comments.posting.service import store
from comments.posting.stamps import issue_stamp, restamp
from comments.section import section_context, settle_pending
from comments.section.forms import CommentEditForm, CommentForm, typed_text
from comments.section.ownership import own_comment, refusal
from comments.section.paging import location
from comments.section.pending import pending_ids, remember_pending
from comments.trust import browser_token, remember_token
from lib.client import client_ip
from lib.refusal import Refusal
from lib.text import strip_control_characters


def show_errors(request: HttpRequest, article: Article, form: CommentForm) -> HttpResponse:
    """
    The article page again, the form with its errors and all the reader typed.

    ``comments/post_failed.html`` is the project's to write: this blog's
    extends the article page (templates/comments/post_failed.html).
    """
    context = {"article": article, **section_context(request, article, form)}
    return render(request, "comments/post_failed.html", context, status=400)


def refuse(request: HttpRequest, article: Article, message: str, status: int) -> HttpResponse:
    """Say in one sentence why a comment was not accepted, giving back what was typed."""
    context = {
        "article": article,
        "message": message,
        "typed": typed_text(request),
    }
    return render(request, "comments/refused.html", context, status=status)


@require_GET
def stamp(request: HttpRequest) -> JsonResponse:
    """
    A fresh form stamp for this browser, fetched by comments.js when its reader starts writing.

    Private (blog/shared_pages.py makes every response so unless told): the
    stamp is bound to the browser token set here.
    """
    token = browser_token(request)
    response = JsonResponse({"issued": issue_stamp(token)})
    remember_token(response, token)
    return response


# The article page carries no token; comments/posting/origin.py checks where it came from.
@csrf_exempt
@require_POST
# All or nothing: a comment is stored, or the reader is told it was not (config/errors.py).
@transaction.atomic
def post_comment(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a reader's comment, apply the verdict of posting/intake.py, and say what happened."""
    article = get_object_or_404(Article.objects.published(), slug=slug)
    if refusal := cross_site_refusal(request):
        return refuse(request, article, refusal, status=403)

    token = browser_token(request)
    submission = Submission(
        article=article,
        form=CommentForm(request.POST, article=article),
        browser=token,
        ip=client_ip(request),
        user_agent=strip_control_characters(request.headers.get("user-agent", "")),
        moderator=request.user.has_perm("comments.can_moderate"),
    )
    verdict = review(submission)
    response = respond(request, submission, verdict)
    remember_token(response, token)
    return response


def respond(request: HttpRequest, submission: Submission, verdict: Verdict) -> HttpResponse:
    """The answer to a submission under its verdict, storing the comment if it was accepted."""
    article, form = submission.article, submission.form
    match verdict.outcome:
        case Outcome.REFUSED:
            response = refuse(request, article, verdict.message, verdict.http_status)
            if verdict.retry_after:
                response["Retry-After"] = str(verdict.retry_after)
            return response
        case Outcome.INVALID:
            form.restamp(restamp(submission.stamp, submission.browser))
            return show_errors(request, article, form)
        case Outcome.CONFIRM:
            form.restamp(restamp(submission.stamp, submission.browser, submission.text()))
            context = {"article": article, "form": form, "preview": submission.comment}
            context["message"] = verdict.message
            return render(request, "comments/confirm.html", context, status=verdict.http_status)

    comment = store(submission, verdict)
    # To the page that shows it (the last, in a long discussion shown oldest first).
    response = redirect(location(comment, [*pending_ids(request), comment.pk]))
    # The next page this browser asks for is rendered for it, past any shared cache,
    # so it sees its comment at once: held (spam looks held to its sender) or published,
    # with a link to edit it for a few minutes (comments/posting/editing.py).
    remember_pending(request, response, comment.pk)
    return response


def not_found(request: HttpRequest, typed: str = "") -> HttpResponse:
    """The site's 404, giving back what was typed: the same for every id it is sent for."""
    return render(request, "404.html", {"typed": typed}, status=404)


def edit_refused(
    request: HttpRequest, comment: Comment, refused: Refusal, typed: str = ""
) -> HttpResponse:
    """Say why the comment was not changed, giving back what was typed."""
    context = {
        "article": comment.article,
        "heading": "Your comment was not changed",
        "message": refused.sentence,
        "typed": typed,
    }
    return render(request, "comments/refused.html", context, status=refused.status)


@require_http_methods(["GET", "HEAD", "POST"])
def edit_comment(request: HttpRequest, comment_id: str) -> HttpResponse:
    """
    The author's form to change their comment's text, and its POST (comments/posting/editing.py).

    A private page, so its form carries Django's CSRF token like the admin's.
    """
    browser = browser_token(request)
    posted = request.method == "POST"
    typed = typed_text(request)
    if (comment := own_comment(comment_id, browser)) is None:
        return not_found(request, typed)
    if refused := refusal(comment, browser, editing=True):
        return edit_refused(request, comment, refused, typed)
    if not posted:
        form = CommentEditForm(initial={"body": comment.body}, comment=comment)
        return edit_page(request, comment, form)
    form = CommentEditForm(request.POST, comment=comment)
    if not form.is_valid():
        return edit_page(request, comment, form, status=400)
    try:
        done = edit(comment, form.cleaned_data["body"], browser)
    except Refusal as refused:  # The window closed, or a reply came, since the form was shown.
        return edit_refused(request, comment, refused, typed)
    response = redirect(location(done.comment, [*pending_ids(request), comment.pk]))
    # Held again (or still): shown to its author, and to nobody else, until approved.
    remember_pending(request, response, comment.pk)
    return response


def edit_page(
    request: HttpRequest, comment: Comment, form: CommentEditForm, status: int = 200
) -> HttpResponse:
    context = {
        "article": comment.article,
        "comment": comment,
        "form": form,
        "back": location(comment, pending_ids(request)),
        "keep_days": settings.COMMENTS_KEEP_DISCARDED_DAYS,
    }
    return render(request, "comments/edit.html", context, status=status)


@require_POST
def withdraw_comment(request: HttpRequest, comment_id: str) -> HttpResponse:
    """Remove the author's own comment at their wish; say so, with a way back to the article."""
    browser = browser_token(request)
    if (comment := own_comment(comment_id, browser)) is None:
        return not_found(request)
    try:
        withdraw(comment, browser)
    except Refusal as refused:
        return edit_refused(request, comment, refused)
    response = render(request, "comments/withdrawn.html", {"article": comment.article})
    settle_pending(request, response)
    return response
