"""
The comments app's checks of its configuration: the email keys, and the site's address.

The keys are checked twice: their format when the settings load (a process
with a key that is no key refuses to start, config/settings.py), and against
what is stored when ``migrate`` or ``check --database`` runs.
"""

from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import connections

from comments.encryption import EmailKeyError

# The key `make run` and `make test` use when none is set: public, so never in production.
DEVELOPMENT_EMAIL_KEY = "cmVsaWVmLW5vdGVzLWRldi1vbmx5LW5ldmVyLXByb2Q="


def email_keys_problem(keys: list[str], *, debug: bool) -> str:
    """
    What is wrong with DJANGO_COMMENT_EMAIL_KEYS, in one sentence; "" when nothing is.

    Asked by the settings, which refuse to start on it. The sentence never
    repeats a key.
    """
    if not keys:
        return (
            "DJANGO_COMMENT_EMAIL_KEYS must be set when DJANGO_DEBUG is off; make a key with "
            'python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())".'
        )
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            return (
                "DJANGO_COMMENT_EMAIL_KEYS holds a value that is not a Fernet key "
                "(32 url-safe base64-encoded bytes, 44 characters)."
            )
    if not debug and DEVELOPMENT_EMAIL_KEY in keys:
        return "DJANGO_COMMENT_EMAIL_KEYS holds the public development key; make a key of your own."
    return ""


@checks.register(checks.Tags.database)
def check_email_key(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """
    ``migrate`` and ``check --database`` refuse to go on with a key that opens nothing.

    Tries the newest stored address; before the comments table is migrated
    there is nothing to try.
    """
    Comment = apps.get_model("comments", "Comment")
    errors = []
    table = Comment._meta.db_table
    for alias in databases or []:
        connection = connections[alias]
        with connection.cursor() as cursor:
            if table not in connection.introspection.table_names(cursor):
                continue
            columns = {
                c.name for c in connection.introspection.get_table_description(cursor, table)
            }
        if "author_email_hash" not in columns:
            continue
        newest = Comment.objects.using(alias).exclude(author_email_hash="").order_by("-pk")
        try:
            newest.values_list("author_email", flat=True).first()
        except EmailKeyError as error:
            errors.append(checks.Error(str(error), id="comments.E001"))
    return errors


SITE_URL_NOT_HTTPS = checks.Warning(
    "DJANGO_SITE_URL does not start with https://, so the links in readers' emails are not "
    "either: mail clients ignore a one-click unsubscribe link that is not https (RFC 8058), "
    "and confirmation links would travel in clear.",
    hint="Set DJANGO_SITE_URL to the site's public https address, e.g. https://blog.example.com.",
    id="comments.W001",
)


@checks.register(checks.Tags.security, deploy=True)
def check_site_url_for_emails(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Emails link back to DJANGO_SITE_URL: in production it must be https."""
    if not settings.SITE_URL.startswith("https://"):
        return [SITE_URL_NOT_HTTPS]
    return []
