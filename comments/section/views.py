"""
A comment's permalink, ``/comments/<id>/``: where the comment is shown now.

A read view, like the article page: it writes nothing, and shows a held
comment only to the browser that posted it (its pending cookie) and to staff.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_safe

from blog.models import Article
from comments.models import Comment
from comments.section.paging import location
from comments.section.pending import pending_ids
from lib.text import parse_id


@require_safe
def permalink(request: HttpRequest, comment_id: str) -> HttpResponse:
    """
    A comment's lasting address: a redirect to the page and anchor that show it now.

    The feeds, the emails and each comment's date link here, so a link keeps
    working when a long discussion moves the comment to another page. A comment
    the asker may not see (held, or on an unpublished article) is a 404 like
    one that never existed, except to the browser that posted it and to staff.
    ``?article=<slug>`` is sent by permalinks.js for an old ``#comment-N`` link
    that found no such comment on the page: N may be the comment's number on a
    former WordPress site.
    """
    if (number := parse_id(comment_id)) is None:
        raise Http404("No such comment.")
    comments = Comment.objects.select_related("article")
    found, own = comments.filter(pk=number).first(), pending_ids(request)
    if slug := request.GET.get("article"):
        if found is None or found.article.slug != slug:
            found = comments.filter(article__slug=slug, former_id=number).first()
        if found is None or not may_see(request, found, own):
            # Nothing to show: back to the discussion the reader came from.
            article = get_object_or_404(Article.objects.published(), slug=slug)
            return redirect(f"{article.get_absolute_url()}#comments")
    elif found is None or not may_see(request, found, own):
        raise Http404("No such comment.")
    return redirect(location(found, own))


def may_see(request: HttpRequest, comment: Comment, own: list[int]) -> bool:
    """Whether this reader may be led to the comment: public, their own, or staff's to read."""
    if comment.is_approved() and comment.article.is_published():
        return True
    if comment.pk in own and comment.status != Comment.Status.REMOVED:
        return True
    # Only a request with a session can be staff (blog/views.py visible_articles).
    return settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.has_perm(
        "comments.view_comment"
    )
