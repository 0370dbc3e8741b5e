from datetime import timedelta

from django import template
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from comments.models import Comment

register = template.Library()

UNDO_TAG = "desk-undo-"
NEWEST_HELD = 5
# The front page counts the spam caught in this many days: real readers get caught too.
SPAM_DAYS = 7


@register.simple_tag(takes_context=True)
def comments_waiting(context) -> int | None:
    """How many comments wait for moderation; None for someone who may not see them."""
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.has_perm("comments.view_comment"):
        return None
    return Comment.objects.pending().count()


@register.simple_tag(takes_context=True)
def spam_caught(context) -> dict | None:
    """Spam caught in the last SPAM_DAYS days (count, days); None for those who may not see it."""
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.has_perm("comments.view_comment"):
        return None
    since = timezone.now() - timedelta(days=SPAM_DAYS)
    count = Comment.objects.filter(status=Comment.Status.SPAM, created_at__gte=since).count()
    return {"count": count, "days": SPAM_DAYS}


def undo_tag(token: str) -> str:
    """The message tag that carries a decision's undo token (CommentAdmin.report)."""
    return f"{UNDO_TAG}{token}"


@register.inclusion_tag("admin/comments/comment/_undo_button.html", takes_context=True)
def desk_undo_button(context, message) -> dict:
    """An Undo button (a POST form) for a message reporting a decision; nothing for others."""
    tokens = [
        tag[len(UNDO_TAG) :] for tag in message.extra_tags.split() if tag.startswith(UNDO_TAG)
    ]
    request = context.get("request")
    return {
        "token": tokens[0] if tokens else "",
        "next": request.get_full_path() if request else "",
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("admin/comments/comment/_status_tabs.html")
def desk_status_tabs(changelist) -> dict:
    """The status filter's choices as tabs above the queue, each with its count."""
    spec = next(spec for spec in changelist.filter_specs if spec.parameter_name == "status")
    return {"choices": list(spec.choices(changelist))}


@register.inclusion_tag("admin/comments/comment/_newest_held.html", takes_context=True)
def newest_held(context) -> dict:
    """The five newest comments waiting, whole, with their buttons for moderators."""
    request: HttpRequest = context["request"]
    model_admin = admin.site.get_model_admin(Comment)
    moderator = model_admin.has_moderate_permission(request)
    comments = list(
        Comment.objects.pending()
        .with_author_edits()
        .select_related("article", "parent", "written_by")
        .order_by("-created_at", "-pk")[:NEWEST_HELD]
    )
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "comments": comments,
        "cards": [
            (
                comment,
                model_admin.author(comment, tools=moderator),
                model_admin.desk_cell(comment, buttons=moderator),
            )
            for comment in comments
        ],
        "desk_moderator": moderator,
    }
