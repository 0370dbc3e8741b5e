# The Mention model moves here from the WordPress app, its table and rows kept as they are
# (db_table "wordpress_mention"): only Django's idea of which app owns it changes.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("blog", "0003_article_discussion_changed_at"),
        ("wordpress", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Mention",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("pingback", "Pingback"), ("trackback", "Trackback")],
                                default="pingback",
                                max_length=10,
                            ),
                        ),
                        (
                            "title",
                            models.CharField(help_text="The linking page's name.", max_length=200),
                        ),
                        (
                            "url",
                            models.URLField(blank=True, max_length=500, verbose_name="address"),
                        ),
                        (
                            "excerpt",
                            models.TextField(
                                blank=True, help_text="What the linking page said, as text."
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("approved", "Approved"),
                                    ("spam", "Spam"),
                                    ("removed", "Removed"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="time"
                            ),
                        ),
                        (
                            "article",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="mentions",
                                to="blog.article",
                            ),
                        ),
                    ],
                    options={"ordering": ["created_at", "pk"], "db_table": "wordpress_mention"},
                ),
            ],
            database_operations=[],
        ),
    ]
