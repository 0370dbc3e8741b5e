"""
The comment section of an article page: what the blog composes its pages from.

The comments app offers, and the blog uses, only this and the models'
querysets: the section's context (``section_context``, one page of a long
discussion, raising ``NoSuchPage`` past the last), its template
(``comments/_comment_section.html``, included by the article page), the upkeep
of the commenter's own cookie on a page that shows the section
(``settle_pending``), the page around the section rendered once per version of
it (``render_page``), whether that cookie holds anything (``has_own_comments``),
approved-comment counts for lists of articles (``with_comment_count``) and the
pages beyond the first of each discussion (``later_comment_pages``, for the
sitemap).

What a page shows, module by module: ``paging`` (which threads are on which
page), ``threads`` (replies under what they answer), ``fragments`` (the
public threads rendered once per version of the discussion), ``forms`` (the
comment form the page carries) and ``mailable`` (the addresses it accepts),
``pending`` (a commenter's own held comments, shown to them alone),
``ownership`` (which of them they may still change), ``avatars``, and
``views`` (a comment's permalink). The read path writes nothing: it imports
nothing of posting or mail.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString

from blog.models import Article, ArticleQuerySet
from comments.models import Comment, thread_depth
from comments.section.forms import CommentForm
from comments.section.fragments import (
    discussion_version,
    kept,
    public_threads,
    render_thread,
    row_version,
)
from comments.section.ownership import refusal
from comments.section.paging import Layout, layout_with, page_count
from comments.section.pending import keep_pending, own_comments, pending_ids
from comments.section.threads import build_threads
from comments.templatetags.comment_text import minutes_left
from comments.trust import browser_token
from lib.text import parse_id


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
    Everything one page of the comment section shows.

    The public sees approved comments, their threads rendered once per version
    of the discussion (comments/section/fragments.py). A commenter also sees their own
    held comments, named in their signed cookie (such a page is theirs alone),
    and a link to edit those still in their editing window: the threads holding
    them are rendered for this request. ``form`` is a submitted form to show
    again with its errors, on the page of the comment it answers. Raises
    ``NoSuchPage`` for a page past the last.
    """
    own = [comment for comment in own_comments(request) if comment.article_id == article.pk]
    pages = layout_with(article, [comment for comment in own if comment.is_held()])
    if form is not None:
        page = pages.page_of(parse_id(form.data.get("parent")) or 0) or 1
    if page > pages.page_count:
        raise NoSuchPage(pages.page_count)

    shown = {
        "comment_page": CommentPage(article, page, pages.page_count),
        "comments_open": article.comments_are_open(),
        "thread_depth": thread_depth(),
    }
    on_page = pages.ids_on(page)
    roots = [pk for pk in on_page if pages.thread_of[pk] == pk]
    if settings.COMMENTS_NEWEST_FIRST:
        roots.reverse()
    # The reader's own threads take the place of the kept ones.
    threads = public_threads(article, page, on_page, shown) | own_threads(
        request, article, pages, page, own, shown
    )

    if sent_back := form is not None:
        reply_to = replying_to(article, on_page, form.data.get("parent"))
    else:
        reply_to = replying_to(article, on_page, request.GET.get("replytocom"))
        initial = {"parent": reply_to and reply_to.pk}
        # Built only when the empty form's fragment is not kept (templates' {% cache %}).
        form = SimpleLazyObject(lambda: CommentForm(article=article, initial=initial))

    discussion = discussion_version(article, page)
    return {
        **shown,
        # In the rare race where the layout and the kept threads were read on either side
        # of a change (the version moves just after it), a thread not kept is left out.
        "comment_threads": SafeString("\n".join(threads[pk] for pk in roots if pk in threads)),
        # The public comments of this page, for what lists them (the structured data):
        # read only when the fragment that shows them is not kept.
        "comments": SimpleLazyObject(lambda: public_comments(article, on_page)),
        "comment_count": pages.approved_count,
        "discussion_version": discussion,
        "comment_form": form,
        "form_sent_back": sent_back,
        "reply_to": reply_to,
        # What the page around the threads shows of the section (render_page): the
        # same for every reader, unless its form is one reader's (sent back with what
        # they typed) or answers a comment (a reply link without JavaScript, rare:
        # not kept, so that no one can fill memory with a page per comment id).
        "page_version": None if sent_back or reply_to else f"{discussion}|{article.is_published()}",
    }


def render_page(request: HttpRequest, template_name: str, context: dict) -> str:
    """
    A page showing the comment section (``context`` holds ``section_context``'s),
    its frame rendered once per ``page_version`` and kept, the threads set in.

    Everything such a page carries but its threads is the same for every
    reader of one version of one page of the discussion, the form included (it
    holds no token). So a commenter whose comment is held, staff reading a
    preview, or any request the shared cache missed costs its own light queries
    and a join, not a render of the page.

    The frame holds a secret mark where the threads go: derived from the
    site's secret key, so no comment, name or article can carry it, and
    replaced exactly once. A page whose form is not the empty one
    (``page_version`` None) is rendered whole, as is any whose template shows
    the threads other than once.
    """
    threads = context["comment_threads"]
    if (version := context["page_version"]) is None:
        return render_to_string(template_name, context, request)
    mark = SafeString(
        f"<!--threads:{salted_hmac(__name__, version, algorithm='sha256').hexdigest()}-->"
    )
    slot = mark if threads else ""

    def render() -> str:
        frame = render_to_string(template_name, {**context, "comment_threads": slot}, request)
        return frame if frame.count(mark) == bool(threads) else ""

    if frame := kept("page-frame", f"{template_name}|{version}|{bool(threads)}", render):
        return frame.replace(mark, threads)
    return render_to_string(template_name, context, request)


def own_threads(
    request: HttpRequest,
    article: Article,
    pages: Layout,
    page: int,
    own: list[Comment],
    shown: dict,
) -> dict[int, SafeString]:
    """
    The threads of this page that hold something of this browser's, rendered for it.

    A thread is the reader's when it holds their held comment, or a comment of
    theirs they may still edit (it carries their edit link); their comments
    that are simply published read as everyone's, and come kept.
    """
    on_page = [comment for comment in own if pages.page_of(comment.pk) == page]
    editable = editable_ids(request, on_page, pages.answered)
    theirs = {
        pages.thread_of[comment.pk]
        for comment in on_page
        if comment.pk in editable or comment.is_held()
    }
    if not theirs:
        return {}

    def render() -> dict[int, SafeString]:
        return {
            root.pk: render_thread(root, shown, editable)
            for root in visible_in_threads(article, pages, theirs, own)
        }

    # Kept until anything they show changes: the public discussion, one of the
    # reader's comments, or the minutes its edit link has left.
    mine = [comment for comment in on_page if pages.thread_of[comment.pk] in theirs]
    version = [discussion_version(article, page), sorted(theirs)]
    version += [
        (row_version(c), c.pk in editable and minutes_left(c.editable_until())) for c in mine
    ]
    return kept("own-threads", repr(version), render)


def visible_in_threads(
    article: Article, pages: Layout, roots: Iterable[int], own: list[Comment]
) -> list[Comment]:
    """
    These threads, each top-level comment with its replies, as this browser sees them.

    Its own comments are already read: a thread of those alone (a held comment
    no one has answered) costs no query.
    """
    roots = set(roots)
    ids = [pk for pk, root in pages.thread_of.items() if root in roots]
    mine = {comment.pk: comment for comment in own}
    if all(pk in mine for pk in ids):
        comments = [mine[pk] for pk in ids]
    else:
        found = Comment.objects.filter(article=article, pk__in=ids).defer("author_email")
        comments = sorted(found, key=lambda comment: (comment.created_at, comment.pk))
    return build_threads(c for c in comments if c.is_approved() or (c.pk in mine and c.is_held()))


def public_comments(article: Article, on_page: list[int]) -> list[Comment]:
    """The approved comments of a page, as threads, each with when it was last edited."""
    comments = Comment.objects.approved().filter(article=article, pk__in=on_page).with_last_edit()
    return build_threads(comments.defer("author_email").order_by("created_at", "pk"))


def replying_to(article: Article, on_page: list[int], typed: str | None) -> Comment | None:
    """The approved comment of this page a reply answers (``replytocom``), if there is one."""
    if (pk := parse_id(typed)) is None or pk not in on_page:
        return None
    return Comment.objects.approved().filter(article=article, pk=pk).only("author_name").first()


def has_own_comments(request: HttpRequest) -> bool:
    """
    Whether this browser's pending cookie names comments of its own: signed by
    this site, unexpired and not empty. Anything else is no reason for a page of its own.
    """
    return bool(pending_ids(request))


def editable_ids(request: HttpRequest, own: list[Comment], answered: set[int]) -> set[int]:
    """
    Which of this browser's comments on the page it may still edit or withdraw;
    ``answered`` are the page's comments a published reply answers.
    """
    if not own:
        return set()
    browser = browser_token(request)
    return {
        comment.pk
        for comment in own
        if refusal(comment, browser, answered=comment.pk in answered) is None
    }


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
