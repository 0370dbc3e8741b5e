from django.db import models


class Document(models.Model):
    """
    The text an article is found by (search/documents.py), one row per article.

    Every article has one, published or not: what a reader may find is decided
    when searching (``Article.objects.published()``), so an article scheduled
    for later is found from its time on without any save. The database indexes
    these rows itself (migration 0001): SQLite through an FTS5 table its
    triggers keep in step, PostgreSQL through a weighted ``tsvector`` column it
    computes, with a GIN index.
    """

    article = models.OneToOneField(
        "blog.Article", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    title = models.TextField()
    text = models.TextField()

    class Meta:
        db_table = "search_document"

    def __str__(self) -> str:
        return self.title
