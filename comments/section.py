"""
The comment section of an article page: what the blog composes its pages from.

The comments app offers, and the blog uses, only this and the models'
querysets: the section's context (``section_context``, one page of a long
discussion, raising ``NoSuchPage`` past the last), its template
(``comments/_comment_section.html``, included by the article page), the upkeep
of the commenter's own cookie on a page that shows the section
(``settle_pending``), whether that cookie holds anything (``has_own_comments``),
approved-comment counts for lists of articles (``with_comment_count``) and the
pages beyond the first of each discussion (``later_comment_pages``, for the
sitemap).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from blog.models import Article, ArticleQuerySet
from comments.editing import refusal
from comments.forms import CommentForm
from comments.models import Comment
from comments.paging import layout, page_count
from comments.pending import keep_pending, pending_ids
from comments.text import parse_id
from comments.threads import build_threads
from comments.trust import browser_token


class NoSuchPage(Exception):
    """A page of comments past the last; ``last`` is the last there is."""

    def __init__(self, last: int):
        super().__init__(f"The discussion has {last} page(s).")
        self.last = last


@dataclass(frozen=True)
class CommentPage:
    """One page of a discussion, and the links to the others."""

    article: Article
    number: int
    count: int

    @property
    def url(self) -> str:
        return self.article.get_comment_page_url(self.number)

    @property
    def is_paged(self) -> bool:
        return self.count > 1

    @property
    def previous_url(self) -> str:
        return self.article.get_comment_page_url(self.number - 1) if self.number > 1 else ""

    @property
    def next_url(self) -> str:
        if self.number >= self.count:
            return ""
        return self.article.get_comment_page_url(self.number + 1)

    @property
    def previous_label(self) -> str:
        return "Newer comments" if settings.COMMENTS_NEWEST_FIRST else "Older comments"

    @property
    def next_label(self) -> str:
        return "Older comments" if settings.COMMENTS_NEWEST_FIRST else "Newer comments"

    @property
    def order(self) -> str:
        return "newest first" if settings.COMMENTS_NEWEST_FIRST else "oldest first"

    def links(self) -> list[tuple[int | None, str]]:
        """Each page's number and address, long runs elided (None) as Django's paginator does."""
        numbers = Paginator(range(self.count), 1).get_elided_page_range(
            self.number, on_each_side=2, on_ends=1
        )
        return [
            (number, self.article.get_comment_page_url(number))
            if isinstance(number, int)
            else (None, "")
            for number in numbers
        ]


def section_context(
    request: HttpRequest,
    article: Article,
    form: CommentForm | None = None,
    page: int = 1,
) -> dict:
    """
    Everything one page of the comment section shows, in two queries.

    The public sees approved comments; a commenter also sees their own held
    comments, named in their signed cookie (such a page is theirs alone), and
    a link to edit those still in their editing window. ``form`` is a
    submitted form to show again with its errors, on the page of the comment
    it answers. Raises ``NoSuchPage`` for a page past the last.
    """
    own = pending_ids(request)
    pages = layout(article, own)
    if form is not None:
        page = pages.page_of(parse_id(form.data.get("parent")) or 0) or 1
    if page > pages.page_count:
        raise NoSuchPage(pages.page_count)

    visible = Comment.objects.approved()
    if own:
        visible = visible | Comment.objects.held().filter(pk__in=own)
    # Public pages never need an address: it is not even decrypted.
    comments = list(
        visible.filter(article=article, pk__in=pages.ids_on(page))
        .defer("author_email")
        .order_by("created_at", "pk")
    )
    approved = {comment.pk: comment for comment in comments if comment.is_approved()}
    threads = build_threads(comments)
    if settings.COMMENTS_NEWEST_FIRST:
        threads.reverse()

    if form is None:
        reply_to = approved.get(parse_id(request.GET.get("replytocom")))
        form = CommentForm(article=article, initial={"parent": reply_to and reply_to.pk})
    else:
        reply_to = approved.get(parse_id(form.data.get("parent")))

    return {
        "comments": threads,
        "comment_count": pages.approved_count,
        "comment_page": CommentPage(article, page, pages.page_count),
        "editable_ids": editable_ids(request, [c for c in comments if c.pk in own]),
        "comment_form": form,
        "reply_to": reply_to,
        "comments_open": article.comments_are_open(),
        "thread_depth": settings.COMMENTS_THREAD_DEPTH,
    }


def has_own_comments(request: HttpRequest) -> bool:
    """
    Whether this browser's pending cookie names comments of its own: signed by
    this site, unexpired and not empty. Anything else is no reason for a page of its own.
    """
    return bool(pending_ids(request))


def editable_ids(request: HttpRequest, own: list[Comment]) -> set[int]:
    """Which of this browser's comments on the page it may still edit or withdraw."""
    if not own:
        return set()
    browser = browser_token(request)
    return {comment.pk for comment in own if refusal(comment, browser) is None}


def settle_pending(request: HttpRequest, response: HttpResponse) -> None:
    """On a page showing the section: forget the commenter's comments that no longer wait."""
    keep_pending(request, response)


def with_comment_count(articles: ArticleQuerySet) -> ArticleQuerySet:
    """Annotate ``comment_count``: each article's approved comments, in the same query."""
    return articles.annotate(comment_count=Comment.objects.approved().count_per_article())


def later_comment_pages(articles: ArticleQuerySet) -> list[tuple[Article, int]]:
    """Each article with each page of its comments beyond the first, in one query."""
    top_level = Comment.objects.approved().filter(parent=None).count_per_article()
    return [
        (article, number)
        for article in articles.annotate(top_level_comments=top_level)
        for number in range(2, page_count(article.top_level_comments) + 1)
    ]
