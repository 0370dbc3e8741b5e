from django import template
from django.http import HttpRequest

from comments.models import Comment

register = template.Library()


@register.simple_tag(takes_context=True)
def comments_waiting(context) -> int | None:
    """How many comments wait for moderation; None for someone who may not see them."""
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.has_perm("comments.view_comment"):
        return None
    return Comment.objects.pending().count()
