# Mention now belongs to the mentions app (mentions/migrations/0001): the same table, whose
# rows ImportedComment keeps pointing at. Nothing changes in the database.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mentions", "0001_mention_moved_from_wordpress"),
        ("wordpress", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="importedcomment",
                    name="mention",
                    field=models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="wordpress_comments",
                        to="mentions.mention",
                    ),
                ),
                migrations.DeleteModel(name="Mention"),
            ],
            database_operations=[],
        ),
    ]
