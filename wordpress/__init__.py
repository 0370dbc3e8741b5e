"""
Moving from WordPress, and back: its export file (WXR) in and out.

- ``wxr``: reads an export as a stream of posts with their comments, with a
  parser that refuses entities;
- ``html``: turns a post's HTML into Markdown, and a comment's into text;
- ``importer``: posts become articles, comments comments, pingbacks mentions,
  each post in one transaction, keyed on (WordPress site, id);
- ``exporter``: writes every article and comment as WXR 1.2;
- ``models``: what was imported from where, and the mentions (pingbacks,
  trackbacks);
- ``redirects``: old WordPress links answered with a 301 to the article;
- ``admin``: the mentions, moderated like comments.

The commands (``management/commands/``) are ``manage.py import_wordpress`` and
``export_wordpress``.
"""
