"""
Consent per wish and per browser (comments/consent.py).

A wish typed beside the form now waits for its owner's yes even when the
address is confirmed, unless it came from a browser they confirmed it from.
Wishes of confirmed addresses were in force until now and stay so: they are
marked confirmed when their address was.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def keep_wishes_in_force(apps, schema_editor):
    Mailbox = apps.get_model("comments", "Mailbox")
    Subscription = apps.get_model("comments", "Subscription")
    confirmed = Mailbox.objects.filter(pk=OuterRef("mailbox_id")).values("confirmed_at")
    Subscription.objects.filter(mailbox__confirmed_at__isnull=False).update(
        confirmed_at=Subquery(confirmed)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0015_hash_ascii_case_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="browser",
            field=models.CharField(
                blank=True,
                help_text="Digest of the token of the browser that asked.",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="subscription",
            name="confirmed_at",
            field=models.DateTimeField(
                blank=True, help_text="When the address's owner agreed to this wish.", null=True
            ),
        ),
        migrations.CreateModel(
            name="ConfirmedBrowser",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "trust_key",
                    models.CharField(help_text="Digest of the browser's token.", max_length=64),
                ),
                ("confirmed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "mailbox",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="browsers",
                        to="comments.mailbox",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("mailbox", "trust_key"), name="one_row_per_browser"
                    )
                ],
            },
        ),
        migrations.RunPython(keep_wishes_in_force, migrations.RunPython.noop),
    ]
