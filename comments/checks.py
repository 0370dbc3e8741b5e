"""System checks of the comments app, run by ``migrate`` and ``check --database``."""

from django.apps import apps
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
