"""
schema.org data for an article page, read by search engines and link previews.

A ``BlogPosting`` with its ``commentCount`` (every approved comment) and the
approved comments on this page of the discussion as ``Comment`` items that
carry the author's name and the text, nothing else a commenter gave us: a
long discussion does not repeat itself whole in every page.
https://schema.org/BlogPosting
"""

import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from blog.models import Article
from comments.models import Comment

# As django.utils.html.json_script: nothing in the data can close the <script>
# element or open a comment, whatever a reader typed.
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def flatten(threads: Iterable[Comment]) -> list[Comment]:
    """The comments of ``build_threads`` trees, each before its replies."""
    flat = []
    for comment in threads:
        flat.append(comment)
        flat.extend(flatten(getattr(comment, "thread_replies", [])))
    return flat


def blog_posting(
    article: Article, comments: Iterable[Comment], comment_count: int
) -> dict[str, Any]:
    """The article as a BlogPosting: its approved comments counted, and those given listed."""
    url = article.get_full_url()
    publisher = {"@type": "Organization", "name": settings.SITE_NAME, "url": settings.SITE_URL}
    approved = [comment for comment in comments if comment.is_approved()]
    image = {"image": [article.featured_image_url()]} if article.featured_image_id else {}
    return {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.title,
        "description": article.standfirst or article.title,
        **image,
        "datePublished": article.published_at.isoformat(timespec="seconds"),
        "dateModified": max(article.updated_at, article.published_at).isoformat(timespec="seconds"),
        "author": publisher,
        "publisher": publisher,
        "commentCount": comment_count,
        "comment": [
            {
                "@type": "Comment",
                "author": {"@type": "Person", "name": comment.author_name},
                "text": comment.body,
            }
            for comment in approved
        ],
    }


def json_ld(data: dict[str, Any]) -> SafeString:
    """
    A ``<script type="application/ld+json">`` element holding ``data``.

    A data block, not a script: browsers never run it, so the Content Security
    Policy (no inline scripts) does not apply to it.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
