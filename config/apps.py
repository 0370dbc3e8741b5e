from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig

# Registers the deploy checks; they need nothing but the settings.
from config import checks  # noqa: F401


class AdminConfig(DjangoAdminConfig):
    """Django's admin, with this blog's site as the default one (config/admin_site.py)."""

    default_site = "config.admin_site.AdminSite"
