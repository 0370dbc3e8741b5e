"""
Finding published articles by what they say: ``/search/?q=…``.

``documents.py`` decides what an article is found by (the one function to
extend), ``models.py`` keeps that text per article, the database indexes it
(SQLite's FTS5, or PostgreSQL's full-text search: ``backends.py``),
``terms.py`` reads what a reader typed, and ``views.py`` answers the page.
"""
