"""
Bring rows written before the rule in line with it: "approved" alone means public.

An approved reply under a comment that is not approved was hidden on the page
but counted everywhere else. It takes the status ``change_status`` gives such
replies today: back to pending with a pending parent, removed otherwise.
Going back leaves the rows as they are: the old code read them the same way.
"""

from django.db import migrations


def follow_parents(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    while orphans := list(
        Comment.objects.filter(status="approved")
        .exclude(parent=None)
        .exclude(parent__status="approved")
        .values_list("pk", "parent__status")
    ):
        for status in ("pending", "removed"):
            ids = [pk for pk, parent in orphans if (parent == "pending") == (status == "pending")]
            Comment.objects.filter(pk__in=ids).update(status=status)


class Migration(migrations.Migration):
    dependencies = [("comments", "0005_encrypt_existing_emails")]

    operations = [migrations.RunPython(follow_parents, migrations.RunPython.noop)]
