"""
Long discussions in pages: which threads each page of an article shows.

As WordPress does (``comments_per_page``, 50), a discussion is paged by
top-level comment, each page holding its threads whole: a reply is always on
the page of the comment it answers. Oldest first, or newest first when
COMMENTS_NEWEST_FIRST is on; replies always read down in the order they came.

The layout is worked out from one light query (ids, parents and times, no
text) of the article's approved comments, kept per version of the discussion
(comments/section/fragments.py), and the asking browser's own held ones
(comments/section/pending.py). Pages are counted on approved comments alone, so
page N holds the same public comments for every reader; a held comment is
shown to its author on the page it would join, or the last one.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from blog.models import Article
from comments.models import Comment
from comments.section.fragments import kept


def page_count(top_level: int) -> int:
    """How many pages a discussion with this many approved top-level comments takes."""
    per_page = settings.COMMENTS_PER_PAGE
    if not per_page or not top_level:
        return 1
    return -(-top_level // per_page)


@dataclass
class Layout:
    """Where each comment of one discussion is shown: on which page, under which thread."""

    # Every comment shown, by id: the top-level comment whose thread holds it.
    thread_of: dict[int, int] = field(default_factory=dict)
    # Each top-level comment's page.
    page_of_thread: dict[int, int] = field(default_factory=dict)
    # The comments a published reply answers.
    answered: set[int] = field(default_factory=set)
    approved_count: int = 0
    page_count: int = 1

    def page_of(self, comment_id: int) -> int | None:
        """The page that shows this comment, or None if no page does."""
        thread = self.thread_of.get(comment_id)
        return None if thread is None else self.page_of_thread[thread]

    def ids_on(self, page: int) -> list[int]:
        """The comments this page shows, whatever their depth."""
        return [
            comment_id
            for comment_id, thread in self.thread_of.items()
            if self.page_of_thread[thread] == page
        ]


# One comment as the layout reads it: its time, its id, what it answers, whether it is public.
Row = tuple[datetime, int, int | None, bool]


def layout(article: Article, own: Iterable[int] = ()) -> Layout:
    """
    The pages of an article's discussion, as the browser holding ``own`` sees it.

    ``own`` are the ids of this browser's comments (its pending cookie); those
    still held are shown to it, in the thread or on the page they will join.
    """
    held = Comment.objects.held().filter(article=article, pk__in=list(own))
    return layout_with(article, held)


def layout_with(article: Article, held: Iterable[Comment]) -> Layout:
    """
    As ``layout``, given this browser's held comments on the article, already read.

    Without any, the public layout: worked out once per version of the
    discussion (comments/section/fragments.py), from one light query of its approved comments.
    """
    if not (own := [(c.created_at, c.pk, c.parent_id, False) for c in held]):
        return kept("comment-layout", article.version(), lambda: arrange(public_rows(article)))
    return arrange(sorted([*public_rows(article), *own]))


def public_rows(article: Article) -> list[Row]:
    """The article's approved comments, oldest first: no text, just where each goes."""

    def read() -> list[Row]:
        rows = (
            Comment.objects.approved()
            .filter(article=article)
            .order_by("created_at", "pk")
            .values_list("created_at", "pk", "parent_id")
        )
        return [(created_at, pk, parent_id, True) for created_at, pk, parent_id in rows]

    return kept("comment-rows", article.version(), read)


def arrange(rows: Iterable[Row]) -> Layout:
    """The layout of these comments, given oldest first."""
    result = Layout()
    threads: list[tuple[int, bool]] = []  # top-level comments, oldest first; approved or not
    for _, pk, parent_id, approved in rows:
        result.approved_count += approved
        if approved and parent_id is not None:
            result.answered.add(parent_id)
        if parent_id is None:
            result.thread_of[pk] = pk
            threads.append((pk, approved))
        elif parent_id in result.thread_of:
            result.thread_of[pk] = result.thread_of[parent_id]
        # A reply to a comment not shown answers nothing the reader can see: left out.

    if settings.COMMENTS_NEWEST_FIRST:
        threads.reverse()
    per_page = settings.COMMENTS_PER_PAGE
    result.page_count = page_count(sum(approved for _, approved in threads))
    approved_before = 0
    for pk, approved in threads:
        page = approved_before // per_page + 1 if per_page else 1
        # A held comment past a full last page waits there: its page does not exist yet.
        result.page_of_thread[pk] = min(page, result.page_count)
        approved_before += approved
    return result


def location(comment: Comment, own: Iterable[int] = ()) -> str:
    """
    Where a comment is shown now: its page's address and its anchor.

    A comment no page shows (held, and not this browser's) leads to the first page.
    """
    page = layout(comment.article, own).page_of(comment.pk) or 1
    return f"{comment.article.get_comment_page_url(page)}#comment-{comment.pk}"
