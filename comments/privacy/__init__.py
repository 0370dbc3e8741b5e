"""
Commenters' data rights, and how long the site keeps what it holds.

- ``rights``: a commenter's data exported or erased, found by their email;
- ``admin``: the same as actions of the moderation desk;
- ``retention``: IP addresses cleared, discarded comments and old emails deleted
  (``manage.py apply_retention``, daily).
"""
