"""
Hash every stored address in its canonical form, so that every spelling finds it.

``"maya"@example.org``, ``MAYA+blog@example.org`` and ``maya@example.org``
are one mailbox (comments.encryption.mailbox); look-ups, erasure and export
now find all of them. Going back leaves the new hashes: the old code found
the plain spellings with them.
"""

from django.db import migrations

from comments.encryption import email_hash


def rehash(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    rows = Comment.objects.exclude(author_email_hash="").values_list("pk", "author_email")
    # The field decrypts as it reads (comments.encryption.EncryptedEmailField);
    # update() writes the hash alone and leaves the encrypted address as it is.
    for pk, address in rows.iterator():
        Comment.objects.filter(pk=pk).update(author_email_hash=email_hash(address))


class Migration(migrations.Migration):
    dependencies = [("comments", "0006_replies_follow_their_parent")]

    operations = [migrations.RunPython(rehash, migrations.RunPython.noop)]
