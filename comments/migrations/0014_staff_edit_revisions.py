"""
Earlier versions keep the name and website too: staff who may not moderate can change
those, and moderators see what they replaced (comments/staff_edits.py).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0013_comment_revisions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="commentrevision",
            options={
                "ordering": ["created_at", "pk"],
                "verbose_name": "earlier version",
                "verbose_name_plural": "earlier versions",
            },
        ),
        migrations.AddField(
            model_name="commentrevision",
            name="author_name",
            field=models.CharField(
                blank=True,
                help_text="The name shown before this change.",
                max_length=100,
                verbose_name="name before",
            ),
        ),
        migrations.AddField(
            model_name="commentrevision",
            name="author_url",
            field=models.URLField(
                blank=True,
                help_text="The website shown before this change.",
                verbose_name="website before",
            ),
        ),
        migrations.AlterField(
            model_name="commentrevision",
            name="change",
            field=models.CharField(
                choices=[
                    ("edited", "Edited by its author"),
                    ("withdrawn", "Withdrawn by its author"),
                    ("staff", "Edited by staff who may not moderate"),
                ],
                max_length=10,
            ),
        ),
    ]
