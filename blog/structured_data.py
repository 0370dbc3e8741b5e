"""
schema.org data for an article page, read by search engines and link previews.

A ``BlogPosting`` with its ``commentCount`` (every approved comment) and the
approved comments on this page of the discussion as ``Comment`` items that
carry the author's name and the text, nothing else a commenter gave us: a
long discussion does not repeat itself whole in every page. Each comment has
its permalink (``url``), ``datePublished`` (Google's required property for a
comment), ``dateModified`` once edited, and its replies nested in it
(``comment``), as the page shows them.
https://schema.org/BlogPosting, https://developers.google.com/search/docs/appearance/structured-data/discussion-forum
"""

import json
from collections.abc import Iterable
from datetime import datetime
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


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def comment_items(threads: Iterable[Comment]) -> list[dict[str, Any]]:
    """
    ``build_threads`` trees as schema.org Comments, replies inside their parent.

    Only approved comments: the replies of one that is not (a reader's own
    held comment cannot have any, but a removed one may) take its place.
    """
    items = []
    for comment in threads:
        replies = comment_items(getattr(comment, "thread_replies", []))
        if not comment.is_approved():
            items.extend(replies)
            continue
        item = {
            "@type": "Comment",
            "url": comment.get_full_url(),
            "datePublished": stamp(comment.created_at),
            "author": {"@type": "Person", "name": comment.author_name},
            "text": comment.body,
        }
        if edited_at := getattr(comment, "edited_at", None):
            item["dateModified"] = stamp(edited_at)
        if replies:
            item["comment"] = replies
        items.append(item)
    return items


def blog_posting(
    article: Article, threads: Iterable[Comment], comment_count: int
) -> dict[str, Any]:
    """The article as a BlogPosting: its approved comments counted, and those given listed."""
    url = article.get_full_url()
    publisher = {"@type": "Organization", "name": settings.SITE_NAME, "url": settings.SITE_URL}
    return {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.title,
        "description": article.standfirst or article.title,
        "datePublished": stamp(article.published_at),
        "dateModified": stamp(max(article.updated_at, article.published_at)),
        "author": publisher,
        "publisher": publisher,
        "commentCount": comment_count,
        "comment": comment_items(threads),
    }


def json_ld(data: dict[str, Any]) -> SafeString:
    """
    A ``<script type="application/ld+json">`` element holding ``data``.

    A data block, not a script: browsers never run it, so the Content Security
    Policy (no inline scripts) does not apply to it.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
