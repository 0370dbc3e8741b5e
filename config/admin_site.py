"""
The admin site: Django's, speaking for this blog, and answering every request below 500.

It is the project's default site (``config.apps.AdminConfig``), so every model
admin, Django's own (users, groups) included, runs through it.
"""

from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.exceptions import DisallowedModelAdminToField
from django.contrib.admin.options import TO_FIELD_VAR
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest
from django.utils.functional import lazy


class AdminSite(admin.AdminSite):
    # The admin speaks for the site: its name heads every admin page and title,
    # read when a page is rendered (DJANGO_SITE_NAME).
    site_header = lazy(lambda: settings.SITE_NAME, str)()
    site_title = lazy(lambda: f"{settings.SITE_NAME} admin", str)()

    def admin_view(self, view, cacheable=False):
        """
        Refuse a ``_to_field`` that names no column, before a model admin trips on it.

        Django 6.1's ModelAdmin answers 500 to ``?_to_field=`` (empty) on a change
        page and to a reverse relation's name (``?_to_field=user`` on a group):
        it reads the field before asking whether it may. A field that is no
        column of the model is refused here the way Django refuses a field it
        does not allow: DisallowedModelAdminToField, a 400.
        """
        inner = super().admin_view(view, cacheable)
        model_admin = getattr(view, "__self__", None)
        if not isinstance(model_admin, admin.ModelAdmin):
            return inner

        @wraps(inner)
        def guarded(request: HttpRequest, *args, **kwargs):
            to_field = request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR))
            if to_field is not None and not names_a_column(model_admin, to_field):
                raise DisallowedModelAdminToField(f"The field {to_field!r} cannot be referenced.")
            return inner(request, *args, **kwargs)

        return guarded


def names_a_column(model_admin: admin.ModelAdmin, name: str) -> bool:
    try:
        field = model_admin.opts.get_field(name)
    except FieldDoesNotExist:
        return False
    return bool(getattr(field, "concrete", False))
