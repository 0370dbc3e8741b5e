from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString

from blog.models import Article
from blog.previews import SITE_DESCRIPTION, preview_image
from blog.structured_data import blog_posting, json_ld
from comments.models import Comment

register = template.Library()


@register.simple_tag
def article_json_ld(article: Article, threads: Iterable[Comment], comment_count: int) -> SafeString:
    """JSON-LD for a page of the article, from the comment threads already in its context."""
    return json_ld(blog_posting(article, threads, comment_count))


@register.inclusion_tag("blog/_preview_image.html")
def link_preview_image(article: Article | None = None) -> dict:
    """A link preview's image tags (Open Graph, Twitter): the page's image, or the site's."""
    return {"image": preview_image(article)}


@register.simple_tag
def site_description() -> str:
    """The site's description, for pages that have none of their own (blog/previews.py)."""
    return SITE_DESCRIPTION
