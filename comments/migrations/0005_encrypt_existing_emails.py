"""
Encrypt the commenters' email addresses already stored, and hash them for look-ups.

0004 widened the column; here the rows are rewritten, and only then does the
model state say the column is encrypted, so that no step reads a plain address
as a token or the reverse.
"""

from django.db import migrations
from django.db.models import F

import comments.encryption
from comments.encryption import TOKEN_PREFIX, decrypt, email_hash, encrypt


def is_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX) and "@" not in value


def encrypt_existing(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    Comment.objects.update(updated_at=F("created_at"))
    for pk, email in Comment.objects.values_list("pk", "author_email").iterator():
        if email and not is_token(email):
            # update(), not save(): the hash field would otherwise hash the token.
            Comment.objects.filter(pk=pk).update(
                author_email=encrypt(email), author_email_hash=email_hash(email)
            )


def decrypt_existing(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    for pk, token in Comment.objects.values_list("pk", "author_email").iterator():
        if token and is_token(token):
            Comment.objects.filter(pk=pk).update(author_email=decrypt(token))


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0004_prepare_email_encryption"),
    ]

    operations = [
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.AlterField(
            model_name="comment",
            name="author_email",
            field=comments.encryption.EncryptedEmailField(
                help_text="Never shown in public; stored encrypted.",
                max_length=254,
                verbose_name="email",
            ),
        ),
    ]
