from django import template
from django.utils.safestring import SafeString

from comments.text import comment_html as comment_html_of

register = template.Library()


@register.filter
def comment_html(text: str) -> SafeString:
    """A comment's text as HTML: escaped, in paragraphs, bare web addresses linked."""
    return comment_html_of(text)
