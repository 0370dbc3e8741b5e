"""Arranging a flat list of comments into threads, in one pass and no extra query."""

from collections.abc import Iterable

from comments.models import Comment


def build_threads(comments: Iterable[Comment]) -> list[Comment]:
    """
    Return the top-level comments, each with ``thread_replies`` holding its replies.

    ``comments`` must be in date order. A reply whose parent is not in the list
    (not approved yet, or held) is not shown: it would have nothing to answer.
    """
    by_id: dict[int, Comment] = {}
    roots: list[Comment] = []
    for comment in comments:
        comment.thread_replies = []
        by_id[comment.pk] = comment
        if comment.parent_id is None:
            roots.append(comment)
        elif parent := by_id.get(comment.parent_id):
            parent.thread_replies.append(comment)
    return roots
