"""
The blog as a fediverse account; replies from the fediverse as moderated comments.

- ``conf.py``: the account's names and limits.
- ``models.py``: the site's key, remote actors, followers, the outbox, what was told.
- ``signatures.py``: HTTP Signatures, made and checked as Mastodon does.
- ``remote.py``: fetching actors and objects (through lib.outbound), remote HTML as text.
- ``documents.py``: WebFinger, NodeInfo, the actor, articles and replies as JSON.
- ``inbox.py``: every rule a signed activity meets, and what it does.
- ``delivery.py``: the outbox's task, retries and recovery (run by the email worker).
- ``publishing.py``: articles published, edited, withdrawn, and desk replies, told.
- ``negotiation.py``: an article's address answering ActivityStreams JSON.
- ``admin.py``: followers, and deliveries waiting or failed.
- ``views.py``, ``urls.py``: HTTP only.
"""
