"""
What an article is found by: the one function that says it.

Its title (ranked first) and its text: the standfirst, the body as a reader
sees it (without Markdown or HTML), and the names of its categories and tags.
Control characters are dropped, so the markers the excerpt is highlighted
with (``backends.MARK``) can never come from an article.
"""

from html import unescape

from django.utils.html import strip_tags

from blog.models import Article
from lib.text import strip_control_characters


def plain(text: str) -> str:
    return " ".join(strip_control_characters(text).split())


def search_document(article: Article) -> dict[str, str]:
    """The indexed text of an article: ``title`` and ``text`` (see the module's words)."""
    body = unescape(strip_tags(article.body_html.replace("<", " <")))
    topics = [topic.name for topic in [*article.categories.all(), *article.tags.all()]]
    parts = [article.standfirst, body, *topics]
    return {"title": plain(article.title), "text": plain("\n".join(parts))}
