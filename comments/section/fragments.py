"""
The public discussion, rendered and laid out once per version of it, not once per request.

Each thread of a page of a discussion (a top-level comment with its replies)
reads the same for every reader who has nothing of their own in it. It is
rendered once per version of the article's public discussion and kept:
``Article.version()`` moves whenever a public comment appears, changes or goes
(``comments.models.discussion_changed``, the one rule that also drives the
ETags and the page cache), when comments close, and when the article is edited.

The keys carry that version, so a change is a new key: nothing kept is ever
stale and no process needs to hear of another's change. The fastest correct
store is therefore each process's own memory (the ``template_fragments`` cache,
config/settings.py), even where Redis holds the rest: a thread comes back without
a network round trip or a query. The templates keep their page-wide fragments
there too (``{% cache %}``: the structured data, the mentions, the empty form),
and comments/section/paging.py the discussion's layout (which comment is on which page).

A reader's own parts are never shared: a thread holding their held comment, or
a comment they may still edit, is rendered for them from the same template, kept
under everything it shows of theirs (their comments' rows, the minutes their edit
link has left: ``row_version``), and set beside the public threads, never into them.

The page around the threads is kept here too (comments/section/__init__.py,
``render_page``).
"""

import hashlib
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils.autoreload import file_changed
from django.utils.safestring import SafeString

from blog.models import Article
from comments.models import Comment
from comments.section.threads import build_threads

CACHE = "template_fragments"


def store() -> BaseCache:
    return caches[CACHE]


def kept[T](kind: str, version: str, make: Callable[[], T]) -> T:
    """What ``make`` gives for this version of something: made once per process, then kept."""
    key = f"{kind}:{hashlib.sha256(version.encode()).hexdigest()[:32]}"
    if (value := store().get(key)) is None:
        value = make()
        store().set(key, value)
    return value


def discussion_version(article: Article, page: int) -> str:
    """What the kept fragments of this page of the article's discussion are keyed on."""
    return f"{article.version()}|{page}"


def public_threads(
    article: Article, page: int, comment_ids: Iterable[int], shown: dict
) -> dict[int, SafeString]:
    """
    Each public thread of this page, rendered, by its top-level comment's id.

    ``comment_ids`` are the comments the page shows (the approved ones are
    kept, any others ignored); ``shown`` is what the thread template reads
    beside the comment (the page, whether comments are open, the depth).
    """

    def render() -> dict[int, SafeString]:
        public = Comment.objects.approved().filter(article=article, pk__in=list(comment_ids))
        return {
            root.pk: render_thread(root, shown, editable_ids=frozenset())
            for root in build_threads(public.defer("author_email").order_by("created_at", "pk"))
        }

    return kept("comment-threads", discussion_version(article, page), render)


def render_thread(root: Comment, shown: dict, editable_ids: Iterable[int]) -> SafeString:
    """One thread, ``root`` with its ``thread_replies``, as the page shows it."""
    context = {**shown, "comment": root, "editable_ids": editable_ids}
    return SafeString(render_to_string("comments/_comment.html", context))


def row_version(comment: Comment) -> tuple:
    """Everything read of a comment's row: a kept fragment that shows it is keyed on it."""
    return tuple(
        getattr(comment, field.attname)
        for field in comment._meta.concrete_fields
        if field.attname in comment.__dict__
    )


@receiver(setting_changed)
@receiver(file_changed)
def forget(**kwargs) -> None:
    """
    Forget every kept fragment when what renders them changes without a restart:
    a setting changed by a test, or a template edited under runserver.
    """
    if CACHE in settings.CACHES:
        store().clear()
