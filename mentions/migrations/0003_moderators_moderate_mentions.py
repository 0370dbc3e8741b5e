"""Moderators decide mentions as they decide comments: they may view and change them."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["view_mention", "change_mention", "view_outgoing"]


def let_moderators_moderate_mentions(apps, schema_editor):
    create_permissions(global_apps.get_app_config("mentions"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="mentions", codename__in=CODENAMES
    )
    for group in Group.objects.filter(name="Moderators"):
        group.permissions.add(*permissions)


def take_it_back(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(
        content_type__app_label="mentions", codename__in=CODENAMES
    ):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("mentions", "0002_webmentions"),
        ("comments", "0003_moderators_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(let_moderators_moderate_mentions, take_it_back)]
