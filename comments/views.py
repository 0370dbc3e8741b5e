from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from blog.models import Article
from comments.client import client_ip
from comments.forms import CommentForm
from comments.intake import Outcome, Submission, Verdict, review
from comments.notifications import notify_moderators
from comments.origin import cross_site_refusal
from comments.pending import remember_pending
from comments.section import section_context
from comments.stamps import issue_stamp
from comments.subscriptions import subscribe
from comments.text import strip_control_characters
from comments.trust import browser_token, remember_token


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
        "typed": strip_control_characters(request.POST.get("body", "")),
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


@csrf_exempt  # The article page carries no token; comments/origin.py checks where it came from.
@require_POST
# All or nothing: a comment is stored, or the reader is told it was not (blog/outage.py).
@transaction.atomic
def post_comment(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a reader's comment, apply the verdict of comments/intake.py, and say what happened."""
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
            if verdict.http_status == 429:
                response["Retry-After"] = str(settings.COMMENTS_FLOOD_INTERVAL)
            return response
        case Outcome.INVALID:
            form.restamp(issue_stamp(submission.browser))
            return show_errors(request, article, form)
        case Outcome.CONFIRM:
            form.restamp(issue_stamp(submission.browser, submission.text()))
            context = {"article": article, "form": form, "preview": submission.comment}
            context["message"] = verdict.message
            return render(request, "comments/confirm.html", context, status=verdict.http_status)

    comment = submission.comment
    comment.status, comment.held_reason = verdict.status, verdict.reason
    if comment.is_approved():
        # Published at once: there is no approval to be told of.
        comment.notify_on_approval = False
    comment.save()
    notify_moderators(comment)
    # Silently: the answer below is the same whatever this does with the address.
    subscribe(
        comment,
        replies=form.cleaned_data["notify_replies"],
        article=form.cleaned_data["notify_article"],
        ip=submission.ip,
    )

    response = redirect(f"{article.get_absolute_url()}#comment-{comment.pk}")
    # The next page this browser asks for is rendered for it, past any shared cache,
    # so it sees its comment at once: held (spam looks held to its sender) or published.
    remember_pending(request, response, comment.pk)
    return response
