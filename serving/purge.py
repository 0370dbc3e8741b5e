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
home page, the site's feeds and the sitemap; the pages and feeds of its
categories, the categories those sit inside, its tags and its author, and its
year's and month's archives, before and after the change) are deleted once the
change is committed, whichever process made it (a request, the admin, ``manage.py``).
Filing an article under a topic or taking it out, and renaming, moving or
deleting a topic, withdraw the topic's pages and its articles' too.
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
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from blog.listings import ARTICLES_PER_PAGE
from blog.models import (
    Article,
    Author,
    Category,
    Tag,
    Topic,
    filed_under,
    public_discussion_changed,
)
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


def paged(path: str, count: int) -> list[str]:
    """A listing's address and its later pages: as many as ``count`` articles fill, and one more."""
    pages = count // ARTICLES_PER_PAGE + 2
    return [path] + [f"{path}?page={number}" for number in range(2, pages + 1)]


def topic_addresses(topics: Iterable[Topic]) -> list[str]:
    """Every page of these topics (and of the categories they sit inside) and their feeds."""
    addresses: list[str] = []
    seen: set[tuple[str, int]] = set()
    for topic in topics:
        related = [*topic.ancestors(), topic] if isinstance(topic, Category) else [topic]
        for each in related:
            if (each.kind, each.pk) in seen:
                continue
            seen.add((each.kind, each.pk))
            addresses += [*paged(each.get_absolute_url(), each.articles().count())]
            addresses.append(each.get_feed_url())
    return addresses


def archive_addresses(moment) -> list[str]:
    """The year's and the month's archive pages of a publication time (the site's time zone)."""
    local = timezone.localtime(moment)
    published = Article.objects.published()
    year = reverse("blog:archive-year", kwargs={"year": local.year})
    month = reverse("blog:archive-month", kwargs={"year": local.year, "month": local.month})
    in_year = published.filter(published_at__year=local.year)
    return [
        *paged(year, in_year.count()),
        *paged(month, in_year.filter(published_at__month=local.month).count()),
    ]


def listing_addresses(article: Article) -> list[str]:
    """The topic and archive pages that list this article as it is now in the database."""
    if article.pk is None:
        return []
    topics: list[Topic] = [*article.categories.all(), *article.tags.all()]
    if article.author_id:
        topics += list(Author.objects.filter(pk=article.author_id))
    return topic_addresses(topics) + archive_addresses(article.published_at)


def in_use() -> bool:
    """Whether there is a cache of nginx's to delete from (a stack's run folder)."""
    return cache_dir().is_dir()


def purge_on_commit(addresses: list[str]) -> None:
    transaction.on_commit(lambda: purge([*addresses, *site_addresses()]), robust=True)


@receiver(pre_save, sender=Article)
def remember_former_address(sender, instance: Article, raw: bool = False, **kwargs) -> None:
    """An article whose slug changes leaves its former address: it is withdrawn too."""
    if instance.pk and not raw and in_use():
        former = Article.objects.filter(pk=instance.pk).first()
        instance._former_slug = former.slug if former else None
        # The listings it was on before (an author or date changed): the topics are still as
        # they were, as the admin saves them after the article.
        instance._former_listings = listing_addresses(former) if former else []


@receiver(post_save, sender=Article)
def article_saved(sender, instance: Article, raw: bool = False, **kwargs) -> None:
    if raw or not in_use():
        return
    addresses = article_addresses(instance) + listing_addresses(instance)
    addresses += getattr(instance, "_former_listings", [])
    former = getattr(instance, "_former_slug", None)
    if former and former != instance.slug:
        addresses += article_addresses(Article(pk=instance.pk, slug=former))
    purge_on_commit(addresses)


@receiver(pre_delete, sender=Article)
def article_deleted(sender, instance: Article, **kwargs) -> None:
    # Before the deletion takes its comments along: they say how many pages it had.
    if in_use():
        purge_on_commit(article_addresses(instance) + listing_addresses(instance))


@receiver(public_discussion_changed)
def discussion_changed(sender, article_ids: set[int], **kwargs) -> None:
    if not in_use():
        return
    addresses = []
    for article in Article.objects.filter(pk__in=article_ids).only("pk", "slug"):
        addresses += article_addresses(article)
    purge_on_commit(addresses)


@receiver(m2m_changed, sender=Article.tags.through)
@receiver(m2m_changed, sender=Article.categories.through)
def article_filed(sender, instance, action: str, reverse: bool, model, pk_set, **kwargs) -> None:
    """An article filed under a topic, or taken out of one: both sides' pages."""
    if action not in {"pre_remove", "pre_clear", "post_add"} or not in_use():
        return
    if reverse:
        # From the topic's side: the topic's pages, and the articles' own.
        articles = Article.objects.filter(pk__in=pk_set) if pk_set else None
        if articles is None:
            field = "tags" if isinstance(instance, Tag) else "categories"
            articles = Article.objects.filter(**{field: instance})
        addresses = topic_addresses([instance])
        for article in articles:
            addresses += article_addresses(article)
    else:
        if action == "pre_clear":
            field = "tags" if model is Tag else "categories"
            topics = list(getattr(instance, field).all())
        else:
            topics = list(model.objects.filter(pk__in=pk_set or []))
        addresses = topic_addresses(topics) + article_addresses(instance)
    purge_on_commit(addresses)


@receiver(pre_save, sender=Tag)
@receiver(pre_save, sender=Category)
@receiver(pre_save, sender=Author)
def remember_former_topic(sender, instance: Topic, raw: bool = False, **kwargs) -> None:
    """A topic whose slug changes leaves its former pages: they are withdrawn too."""
    if instance.pk and not raw and in_use():
        instance._former_topic = sender.objects.filter(pk=instance.pk).first()


@receiver(post_save, sender=Tag)
@receiver(post_save, sender=Category)
@receiver(post_save, sender=Author)
def topic_saved(sender, instance: Topic, raw: bool = False, **kwargs) -> None:
    if raw or not in_use():
        return
    addresses = topic_addresses([instance])
    if former := getattr(instance, "_former_topic", None):
        addresses += topic_addresses([former])
    for article in Article.objects.filter(pk__in=filed_under(instance)):
        addresses += article_addresses(article)
    purge_on_commit(addresses)


@receiver(pre_delete, sender=Tag)
@receiver(pre_delete, sender=Category)
@receiver(pre_delete, sender=Author)
def topic_deleted(sender, instance: Topic, **kwargs) -> None:
    if not in_use():
        return
    addresses = topic_addresses([instance])
    for article in Article.objects.filter(pk__in=filed_under(instance)):
        addresses += article_addresses(article)
    purge_on_commit(addresses)
