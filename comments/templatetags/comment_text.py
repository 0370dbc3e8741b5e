from django import template
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
