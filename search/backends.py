"""
Asking the database's own full-text index: SQLite's FTS5, or PostgreSQL's.

Both answer the same question the same way: the published articles holding
every term (search/terms.py), those found by their title first, then by
relevance (BM25 on SQLite, ``ts_rank`` on PostgreSQL, the title weighing
more), then the newest; and a highlighted excerpt of each one's text. Only
``Article.objects.published()`` is ever searched, so drafts and articles
scheduled for later are never found, and are from their time on.

The excerpt comes from the database with the matched words between two
control characters (``MARK``), which no indexed text holds
(search/documents.py); it is escaped as a whole, and only then are the
markers made ``<mark>`` elements.
"""

from dataclasses import dataclass

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from blog.models import Article
from search.terms import Terms

MARK = ("\x02", "\x03")
EXCERPT_WORDS = 32
ANGLES = str.maketrans("\x04\x05", "<>")


@dataclass(frozen=True)
class Hit:
    article: Article
    excerpt: SafeString
    in_title: bool


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    total: int


def highlighted(excerpt: str) -> SafeString:
    """The excerpt escaped, its matched words in ``<mark>``."""
    start, end = MARK
    return mark_safe(escape(excerpt).replace(start, "<mark>").replace(end, "</mark>"))  # noqa: S308


def search(terms: Terms, *, offset: int = 0, limit: int = 10) -> Results:
    """One page of the published articles holding every term, best first."""
    published, published_params = (
        Article.objects.published().order_by().values("pk").query.sql_with_params()
    )
    backend = PostgreSQL() if connection.vendor == "postgresql" else SQLite()
    total, ranked = backend.ranked(terms, published, list(published_params), offset, limit)
    if not ranked:
        return Results([], total)
    excerpts = backend.excerpts(terms, [pk for pk, _ in ranked])
    articles = Article.objects.in_bulk([pk for pk, _ in ranked])
    hits = [
        Hit(
            articles[pk],
            highlighted(excerpts.get(pk) or articles[pk].standfirst),
            bool(in_title),
        )
        for pk, in_title in ranked
        if pk in articles
    ]
    return Results(hits, total)


def rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class SQLite:
    """FTS5 (migration 0001: the Porter stemmer over unicode61)."""

    def ranked(self, terms: Terms, published: str, params: list, offset: int, limit: int):
        match = terms.fts5()
        # "+rowid": the published articles filter the matches. Without the plus, SQLite
        # walks the articles and runs the MATCH once for each (100 times slower on 1,000).
        where = (
            "FROM search_document_fts WHERE search_document_fts MATCH %s "
            f"AND +rowid IN ({published})"
        )
        total = rows(f"SELECT count(*) {where}", [match, *params])[0][0]
        ranked = rows(
            "SELECT rowid, rowid IN (SELECT rowid FROM search_document_fts "
            "WHERE search_document_fts MATCH %s) AS in_title "
            f"{where} "
            "ORDER BY in_title DESC, bm25(search_document_fts, 10.0, 1.0), rowid DESC "
            "LIMIT %s OFFSET %s",
            [f"title : ({match})", match, *params, limit, offset],
        )
        return total, ranked

    def excerpts(self, terms: Terms, ids: list[int]) -> dict[int, str]:
        places = ", ".join(["%s"] * len(ids))
        return dict(
            rows(
                "SELECT rowid, snippet(search_document_fts, 1, %s, %s, '…', %s) "
                "FROM search_document_fts WHERE search_document_fts MATCH %s "
                f"AND rowid IN ({places})",
                [*MARK, EXCERPT_WORDS, terms.fts5(), *ids],
            )
        )


class PostgreSQL:
    """A weighted ``tsvector`` column with a GIN index (migration 0001), English stemming."""

    def query(self, terms: Terms) -> tuple[str, list[str]]:
        sql = " && ".join(["phraseto_tsquery('english', %s)"] * len(terms.phrases))
        return sql, [" ".join(phrase) for phrase in terms.phrases]

    def ranked(self, terms: Terms, published: str, params: list, offset: int, limit: int):
        query, query_params = self.query(terms)
        found = (
            f"FROM search_document d, (SELECT {query} AS query) q "
            f"WHERE d.vector @@ q.query AND d.article_id IN ({published})"
        )
        total = rows(f"SELECT count(*) {found}", [*query_params, *params])[0][0]
        ranked = rows(
            "SELECT d.article_id, ts_filter(d.vector, '{a}') @@ q.query AS in_title "
            f"{found} "
            "ORDER BY in_title DESC, ts_rank(d.vector, q.query) DESC, d.article_id DESC "
            "LIMIT %s OFFSET %s",
            [*query_params, *params, limit, offset],
        )
        return total, ranked

    def excerpts(self, terms: Terms, ids: list[int]) -> dict[int, str]:
        query, query_params = self.query(terms)
        start, end = MARK
        options = (
            f"StartSel={start}, StopSel={end}, MaxWords={EXCERPT_WORDS}, MinWords=12, "
            'MaxFragments=2, FragmentDelimiter=" … "'
        )
        # PostgreSQL's parser reads "<…>" as an HTML tag and leaves it out of the
        # headline: the text's angle brackets stand in as control characters meanwhile.
        found = rows(
            "SELECT d.article_id, ts_headline('english', "
            "translate(d.text, '<>', chr(4) || chr(5)), q.query, %s) "
            f"FROM search_document d, (SELECT {query} AS query) q "
            "WHERE d.article_id = ANY(%s)",
            [options, *query_params, ids],
        )
        return {pk: excerpt.translate(ANGLES) for pk, excerpt in found}
