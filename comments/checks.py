"""System checks of the comments app, run by ``migrate`` and ``check --database``."""

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import connections

from comments.encryption import EmailKeyError


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
