"""The articles' search index: a table of their text, indexed by the database itself."""

import re
from html import unescape

import django.db.models.deletion
from django.db import migrations, models

SQLITE = [
    # FTS5 over search_document (external content: the text is stored once), with
    # the Porter stemmer ("cramp" finds "cramps") and accents folded.
    """CREATE VIRTUAL TABLE search_document_fts USING fts5(
        title, text, content='search_document', content_rowid='article_id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN
        INSERT INTO search_document_fts(rowid, title, text)
        VALUES (new.article_id, new.title, new.text); END""",
    """CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN
        INSERT INTO search_document_fts(search_document_fts, rowid, title, text)
        VALUES ('delete', old.article_id, old.title, old.text); END""",
    """CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN
        INSERT INTO search_document_fts(search_document_fts, rowid, title, text)
        VALUES ('delete', old.article_id, old.title, old.text);
        INSERT INTO search_document_fts(rowid, title, text)
        VALUES (new.article_id, new.title, new.text); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER search_document_au",
    "DROP TRIGGER search_document_ad",
    "DROP TRIGGER search_document_ai",
    "DROP TABLE search_document_fts",
]
POSTGRESQL = [
    # The title weighs A, the text B; English stemming.
    """ALTER TABLE search_document ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', text), 'B')) STORED""",
    "CREATE INDEX search_document_vector ON search_document USING gin (vector)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX search_document_vector",
    "ALTER TABLE search_document DROP COLUMN vector",
]


def run(statements: dict):
    def operation(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


def plain(text: str) -> str:
    return " ".join("".join(c for c in text if c.isprintable() or c.isspace()).split())


def index_articles(apps, schema_editor):
    """The articles already here (the seed article, an earlier import), as documents."""
    Article = apps.get_model("blog", "Article")
    Document = apps.get_model("search", "Document")
    for article in Article.objects.iterator():
        body = unescape(re.sub(r"<[^>]*>", " ", article.body_html))
        Document.objects.create(
            article_id=article.pk,
            title=plain(article.title),
            text=plain(f"{article.standfirst}\n{body}"),
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [("blog", "0004_discussion_change_help")]

    operations = [
        migrations.CreateModel(
            name="Document",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="blog.article",
                    ),
                ),
                ("title", models.TextField()),
                ("text", models.TextField()),
            ],
            options={"db_table": "search_document"},
        ),
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
        migrations.RunPython(index_articles, migrations.RunPython.noop),
    ]
