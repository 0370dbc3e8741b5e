import math
from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from comments.models import Comment
from comments.section.avatars import Avatar, avatar_for
from comments.text import comment_html as comment_html_of

register = template.Library()


@register.filter
def comment_html(text: str) -> SafeString:
    """A comment's text as HTML: escaped, in paragraphs, bare web addresses linked."""
    return comment_html_of(text)


@register.filter
def avatar(comment: Comment) -> Avatar:
    """The avatar beside a comment: initials and a colour, from its author's name alone."""
    return avatar_for(comment.author_name)


@register.filter
def minutes_left(moment: datetime) -> int:
    """Whole minutes from now until ``moment``, rounded up ("for 1 more minute" until it passes)."""
    return max(0, math.ceil((moment - timezone.now()).total_seconds() / 60))
