from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString

from blog.models import Article
from blog.structured_data import blog_posting, json_ld
from comments.models import Comment

register = template.Library()


@register.simple_tag
def article_json_ld(article: Article, threads: Iterable[Comment], comment_count: int) -> SafeString:
    """JSON-LD for a page of the article, from the comment threads already in its context."""
    return json_ld(blog_posting(article, threads, comment_count))
