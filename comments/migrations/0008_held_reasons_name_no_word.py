"""
Held reasons stop quoting the word that matched.

An entry of the moderation or block list may be someone's address or IP, and a
reason that quoted it kept a copy that erasure and retention never reached.
Reasons now name the rule and the field only (comments/intake.py).
"""

import re

from django.db import migrations

QUOTED = re.compile(r"^Its (.+) contains the (moderated|blocked) word “.*”\.$", re.DOTALL)


def forget_words(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    for pk, reason in Comment.objects.filter(held_reason__contains="word “").values_list(
        "pk", "held_reason"
    ):
        if match := QUOTED.match(reason):
            field, kind = match.groups()
            Comment.objects.filter(pk=pk).update(held_reason=f"Its {field} contains a {kind} word.")


class Migration(migrations.Migration):
    dependencies = [("comments", "0007_hash_canonical_emails")]

    operations = [migrations.RunPython(forget_words, migrations.RunPython.noop)]
