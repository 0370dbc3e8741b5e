from django import template

from blog.models import Article
from mentions.models import Mention

register = template.Library()


@register.simple_tag
def approved_mentions(article: Article) -> list[Mention]:
    """The approved pingbacks, trackbacks and Webmentions of an article, oldest first."""
    return list(article.mentions.approved())
