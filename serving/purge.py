"""
What the site withdraws leaves nginx's cache the moment it is withdrawn.

nginx keeps every shared page it stored for a day, to serve while the app is
down, erroring or slow (deploy/nginx.conf). A page is only asked for again
when a reader comes, so an article unpublished or deleted, a comment removed,
or a commenter erased at their request, would otherwise still be served from
that copy whenever the app could not answer. WordPress's page caches delete
their files on such a change; this does the same for nginx: whenever an
article, or what readers can see of its discussion, changes, the stored copies
of every page that showed it (the article and its comment pages, its feed, the
home page, the site's feeds and the sitemap) are deleted once the change is
committed, whichever process made it (a request, the admin, ``manage.py``).
Pages still public are simply stored again by their next reader.

nginx names each entry by the MD5 of its key (``proxy_cache_key`` in
deploy/nginx.conf: scheme, address, encoding), in folders named by its last
characters (``levels=1:2``); the two change together. A missing file is a miss
to nginx. The cache is the run folder's (``SERVE_RUN_DIR``, as ``make serve``
sets it for the app it starts); without one (tests, ``make run``) nothing is done.
"""

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.urls import reverse

from blog.models import Article, public_discussion_changed
from blog.views import ArticleListView
from comments.models import Comment

logger = logging.getLogger(__name__)

SCHEMES = ("http", "https")
ENCODINGS = ("", "gzip")


def cache_dir() -> Path:
    """nginx's cache in `make serve`'s run folder (deploy/stack.py), or where tests put one."""
    return Path(
        getattr(settings, "NGINX_CACHE_DIR", None) or Path(settings.SERVE_RUN_DIR) / "cache"
    )


def cache_file(key: str) -> Path:
    """Where nginx keeps the entry of this key (``levels=1:2``)."""
    digest = hashlib.md5(key.encode()).hexdigest()  # noqa: S324 (nginx's own naming)
    return cache_dir() / digest[-1] / digest[-3:-1] / digest


def purge(addresses: Iterable[str]) -> int:
    """Delete every stored form of these addresses (path and query); how many there were."""
    deleted = 0
    for address in addresses:
        for scheme in SCHEMES:
            for encoding in ENCODINGS:
                try:
                    cache_file(f"{scheme}|{address}|{encoding}").unlink()
                except FileNotFoundError:
                    continue
                except OSError as error:
                    logger.warning("Could not delete a withdrawn page from the cache: %s", error)
                    continue
                deleted += 1
    return deleted


def site_addresses() -> list[str]:
    """The pages that list articles or comments site-wide."""
    # As many pages as there are articles, and one more (one may have just gone).
    pages = Article.objects.count() // ArticleListView.paginate_by + 2
    home = reverse("blog:home")
    listed = [home] + [f"{home}?page={n}" for n in range(2, pages + 1)]
    feeds = [reverse(name) for name in ("blog:feed", "blog:atom", "blog:comments-feed")]
    return [*listed, *feeds, reverse("sitemap")]


def article_addresses(article: Article) -> list[str]:
    """Every shared page of one article: the article, each page of its comments, its feed."""
    pages = 1
    if per_page := settings.COMMENTS_PER_PAGE:
        # Top-level comments in any status: as many pages as the discussion ever had, and one more.
        threads = Comment.objects.filter(article_id=article.pk, parent__isnull=True).count()
        pages = threads // per_page + 2
    return [
        *(article.get_comment_page_url(page) for page in range(1, pages + 1)),
        reverse("blog:article-feed", kwargs={"slug": article.slug}),
    ]


def in_use() -> bool:
    """Whether there is a cache of nginx's to delete from (a stack's run folder)."""
    return cache_dir().is_dir()


def purge_on_commit(addresses: list[str]) -> None:
    transaction.on_commit(lambda: purge([*addresses, *site_addresses()]), robust=True)


@receiver(pre_save, sender=Article)
def remember_former_address(sender, instance: Article, raw: bool = False, **kwargs) -> None:
    """An article whose slug changes leaves its former address: it is withdrawn too."""
    if instance.pk and not raw and in_use():
        former = Article.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
        instance._former_slug = former


@receiver(post_save, sender=Article)
def article_saved(sender, instance: Article, raw: bool = False, **kwargs) -> None:
    if raw or not in_use():
        return
    addresses = article_addresses(instance)
    former = getattr(instance, "_former_slug", None)
    if former and former != instance.slug:
        addresses += article_addresses(Article(pk=instance.pk, slug=former))
    purge_on_commit(addresses)


@receiver(pre_delete, sender=Article)
def article_deleted(sender, instance: Article, **kwargs) -> None:
    # Before the deletion takes its comments along: they say how many pages it had.
    if in_use():
        purge_on_commit(article_addresses(instance))


@receiver(public_discussion_changed)
def discussion_changed(sender, article_ids: set[int], **kwargs) -> None:
    if not in_use():
        return
    addresses = []
    for article in Article.objects.filter(pk__in=article_ids).only("pk", "slug"):
        addresses += article_addresses(article)
    purge_on_commit(addresses)
