"""
The search index follows every save of an article, and its deletion.

A save (the admin, the WordPress import, ``manage.py``) rewrites the article's
document in the same transaction; a deletion takes it along (its foreign key
cascades, and the database's own triggers or generated column follow).
A change to what articles are filed under (``blog.models.articles_refiled``)
rewrites theirs once it has committed, so a deleted tag is gone from them.
``rebuild`` writes every document again, for articles changed by a queryset
``update()`` that sends no signal (``manage.py rebuild_search_index``).
"""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from blog.models import Article, articles_refiled
from search.documents import search_document
from search.models import Document


@receiver(post_save, sender=Article)
def article_saved(sender, instance: Article, **kwargs) -> None:
    index(instance)


@receiver(articles_refiled)
def articles_filed_anew(sender, article_ids, **kwargs) -> None:
    def reindex() -> None:
        for article in Article.objects.filter(pk__in=article_ids):
            index(article)

    transaction.on_commit(reindex)


def index(article: Article) -> None:
    """Write the article's document: one statement (an upsert), whether it is new or not."""
    document = Document(article_id=article.pk, **search_document(article))
    Document.objects.bulk_create(
        [document],
        update_conflicts=True,
        unique_fields=["article"],
        update_fields=["title", "text"],
    )


def rebuild() -> int:
    """Index every article again; how many there are."""
    count = 0
    for article in Article.objects.iterator(chunk_size=500):
        index(article)
        count += 1
    Document.objects.exclude(article__in=Article.objects.all()).delete()
    return count
