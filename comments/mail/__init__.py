"""
The site's emails: what readers asked for and confirmed, and the outbox that sends it.

- ``subscriptions``: readers' wishes, asking for consent, what an approval announces;
- ``consent``: who may be emailed about what, and the signed links that say so;
- ``notifications``: moderators told of a held comment;
- ``delivery``: the outbox and its worker (``manage.py email_worker``);
- ``views``: the pages behind the links in the emails (confirm, unsubscribe);
- ``admin``: the deliveries and their failures, for staff.
"""
