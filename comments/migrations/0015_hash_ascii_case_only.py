"""
Hash every stored address again, now that the canonical form folds ASCII case only.

Until now it case-folded every letter, so a look-alike (``ſam@`` with U+017F,
the Kelvin sign) had the hash of the address it mimics: ``sam@``'s comments
were found by it, and whoever typed first held the other's mailbox. Each
comment and mailbox is hashed again from its stored address
(comments.encryption, as 0007 did), so a look-alike is found under its own
spelling only. Addresses in ASCII keep the hashes they had. Going back leaves
the new hashes: the old code finds the ASCII addresses with them.
"""

from django.db import migrations

from comments.encryption import email_hash


def rehash(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    Mailbox = apps.get_model("comments", "Mailbox")
    # The fields decrypt as they read (comments.encryption.EncryptedEmailField);
    # update() writes the hashes alone and leaves each encrypted address as it is.
    rows = Comment.objects.exclude(author_email_hash="").values_list("pk", "author_email")
    for pk, address in rows.iterator():
        if not address.isascii():
            Comment.objects.filter(pk=pk).update(author_email_hash=email_hash(address))
    for pk, address in Mailbox.objects.values_list("pk", "email").iterator():
        if not address.isascii():
            Mailbox.objects.filter(pk=pk).update(
                email_hash=email_hash(address, subaddress=True), lookup_hash=email_hash(address)
            )


class Migration(migrations.Migration):
    dependencies = [("comments", "0014_staff_edit_revisions")]

    operations = [migrations.RunPython(rehash, migrations.RunPython.noop)]
