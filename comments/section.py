"""
The comment section of an article page: what the blog composes its pages from.

The comments app offers, and the blog uses, only this and the models'
querysets: the section's context (``section_context``), its template
(``comments/_comment_section.html``, included by the article page), the upkeep
of the commenter's own cookie on a page that shows the section
(``settle_pending``), and approved-comment counts for lists of articles
(``with_comment_count``).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from blog.models import Article, ArticleQuerySet
from comments.forms import CommentForm
from comments.models import Comment
from comments.pending import keep_pending, pending_ids
from comments.text import parse_id
from comments.threads import build_threads


def section_context(
    request: HttpRequest, article: Article, form: CommentForm | None = None
) -> dict:
    """
    Everything the comment section of an article page shows, in one query.

    The public sees approved comments; a commenter also sees their own held
    comments, named in their signed cookie (such a page is theirs alone).
    ``form`` is a submitted form to show again with its errors.
    """
    visible = Comment.objects.approved()
    if own := pending_ids(request):
        visible = visible | Comment.objects.held().filter(pk__in=own)
    # Public pages never need an address: it is not even decrypted.
    comments = list(
        visible.filter(article=article).defer("author_email").order_by("created_at", "pk")
    )
    approved = {comment.pk: comment for comment in comments if comment.is_approved()}

    if form is None:
        reply_to = approved.get(parse_id(request.GET.get("replytocom")))
        form = CommentForm(article=article, initial={"parent": reply_to and reply_to.pk})
    else:
        reply_to = approved.get(parse_id(form.data.get("parent")))

    return {
        "comments": build_threads(comments),
        "comment_count": len(approved),
        "comment_form": form,
        "reply_to": reply_to,
        "comments_open": article.comments_are_open(),
        "thread_depth": settings.COMMENTS_THREAD_DEPTH,
    }


def settle_pending(request: HttpRequest, response: HttpResponse) -> None:
    """On a page showing the section: forget the commenter's comments that no longer wait."""
    keep_pending(request, response)


def with_comment_count(articles: ArticleQuerySet) -> ArticleQuerySet:
    """Annotate ``comment_count``: each article's approved comments, in the same query."""
    return articles.annotate(comment_count=Comment.objects.approved().count_per_article())
