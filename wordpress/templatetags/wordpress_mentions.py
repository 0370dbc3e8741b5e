from django import template

from blog.models import Article
from wordpress.models import Mention

register = template.Library()


@register.simple_tag
def approved_mentions(article: Article) -> list[Mention]:
    """The approved pingbacks and trackbacks of an article, oldest first."""
    return list(article.mentions.approved())
