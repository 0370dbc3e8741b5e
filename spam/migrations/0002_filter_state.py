"""The filter's one row of totals, empty, with a fresh key for its digests."""

import secrets

from django.db import migrations


def create_state(apps, schema_editor):
    FilterState = apps.get_model("spam", "FilterState")
    FilterState.objects.get_or_create(pk=1, defaults={"key": secrets.token_bytes(16)})


def delete_state(apps, schema_editor):
    apps.get_model("spam", "FilterState").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("spam", "0001_initial")]

    operations = [migrations.RunPython(create_state, delete_state)]
