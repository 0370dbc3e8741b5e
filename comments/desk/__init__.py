"""
The moderation desk, in the Django admin: where staff decide on comments.

- ``admin``: the queue, each comment's page, the bulk actions, the rules page;
- ``views``: the desk's own views beside the admin's: one-click decisions,
  undo, replies written for the site, finding a commenter by email;
- ``operations``: what those views do (replies, undo, the commenter search);
- ``staff_edits``: an edit by staff who may not moderate goes back to the queue;
- ``forms`` and ``sentences``: the desk's forms, and every sentence it says.

Every status change goes through ``comments.moderation.change_status``.
"""
