"""
The comments app in the admin: Django finds this module, and it registers each part.

- the moderation desk: the queue, each comment's page, the rules (comments/desk/);
- the email deliveries: readers' notifications and their failures (comments/mail/admin.py).
"""

from comments.desk import admin as desk_admin  # noqa: F401
from comments.mail import admin as mail_admin  # noqa: F401
