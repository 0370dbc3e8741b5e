from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST

from blog.models import Article
from comments.client import client_ip
from comments.forms import CommentForm
from comments.models import Comment
from comments.moderation import moderate
from comments.notifications import notify_moderators
from comments.pending import pending_ids, remember_pending
from comments.spam import is_duplicate, is_flooding
from comments.text import strip_control_characters
from comments.threads import build_threads
from comments.trust import browser_token, remember_token, trust_key

USER_AGENT_LENGTH = Comment._meta.get_field("user_agent").max_length
DUPLICATE = "Duplicate comment detected; it looks as though you’ve already said that!"
FLOOD = "You are posting comments too quickly. Slow down."


def comment_section_context(
    request: HttpRequest, article: Article, form: CommentForm | None = None
) -> dict:
    """
    Everything the comment section of an article page shows, in one query.

    The public sees approved comments; a commenter also sees their own held
    comments, named in their signed cookie.
    """
    visible = Comment.objects.approved()
    if own := pending_ids(request):
        visible = visible | Comment.objects.held().filter(pk__in=own)
    # Public pages never need an address: it is not even decrypted.
    comments = list(
        visible.filter(article=article).defer("author_email").order_by("created_at", "pk")
    )
    approved = {comment.pk: comment for comment in comments if comment.is_approved()}

    if form is None:
        reply_to = approved.get(_as_int(request.GET.get("replytocom")))
        form = CommentForm(article=article, initial={"parent": reply_to and reply_to.pk})
    else:
        reply_to = approved.get(_as_int(form.data.get("parent")))

    return {
        "comments": build_threads(comments),
        "comment_count": len(approved),
        "shows_own_pending": len(approved) < len(comments),
        "comment_form": form,
        "reply_to": reply_to,
        "comments_open": article.comments_are_open(),
        "thread_depth": settings.COMMENTS_THREAD_DEPTH,
    }


def _as_int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def render_article(
    request: HttpRequest,
    article: Article,
    form: CommentForm | None = None,
    status: int = 200,
    extra_context: dict | None = None,
) -> HttpResponse:
    """The article page with its comment section; private when it shows held comments."""
    context = {
        "article": article,
        **comment_section_context(request, article, form),
        **(extra_context or {}),
    }
    response = render(request, "blog/article_detail.html", context, status=status)
    if context["shows_own_pending"]:
        patch_cache_control(response, private=True)
    return response


def refuse(request: HttpRequest, article: Article, message: str, status: int) -> HttpResponse:
    """Say in one sentence why a comment was not accepted, giving back what was typed."""
    context = {
        "article": article,
        "message": message,
        "typed": strip_control_characters(request.POST.get("body", "")),
    }
    return render(request, "comments/refused.html", context, status=status)


@require_POST
# All or nothing: a comment is stored, or the reader is told it was not (blog/outage.py).
@transaction.atomic
def post_comment(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a reader's comment, hold it for moderation, and send them to see it."""
    article = get_object_or_404(Article.objects.published(), slug=slug)
    if not article.comments_are_open():
        return refuse(request, article, "Comments are closed.", status=403)

    form = CommentForm(request.POST, article=article)
    if not form.is_valid():
        return render_article(request, article, form, status=400)

    comment = form.save(commit=False)
    if is_duplicate(article, comment.author_email, comment.body):
        return refuse(request, article, DUPLICATE, status=409)
    comment.ip_address = client_ip(request)
    exempt = request.user.has_perm("comments.can_moderate")
    if not exempt and is_flooding(comment.ip_address, comment.author_email):
        response = refuse(request, article, FLOOD, status=429)
        response["Retry-After"] = str(settings.COMMENTS_FLOOD_INTERVAL)
        return response

    user_agent = strip_control_characters(request.headers.get("user-agent", ""))
    comment.user_agent = user_agent[:USER_AGENT_LENGTH]
    token = browser_token(request)
    comment.trust_key = trust_key(token)
    if form.spam_reason:
        comment.status, comment.held_reason = Comment.Status.SPAM, form.spam_reason
    else:
        moderate(comment)
    comment.save()
    notify_moderators(comment)

    response = redirect(f"{article.get_absolute_url()}#comment-{comment.pk}")
    remember_token(response, token)
    if not comment.is_approved():
        # Spam looks the same as held to its sender: nothing to learn for a bot.
        remember_pending(request, response, comment.pk)
    return response
