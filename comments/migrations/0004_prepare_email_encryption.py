"""
Make room for encrypted emails: a keyed-hash column, a wider email column, a change time.

The rows are encrypted by 0005, in a migration of its own: PostgreSQL cannot
build this one's index in a transaction that has already updated the table.
"""

from django.db import migrations, models

import comments.encryption


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0003_moderators_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="author_email_hash",
            field=comments.encryption.EmailHashField(
                source="author_email", verbose_name="email look-up hash"
            ),
        ),
        migrations.AddField(
            model_name="comment",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True,
                help_text="Moves on approval and edits; the article's sitemap date follows it.",
                verbose_name="last change",
            ),
        ),
        # A token is longer than an address: text, and still plain until 0005.
        migrations.AlterField(
            model_name="comment",
            name="author_email",
            field=models.TextField(verbose_name="email"),
        ),
    ]
