from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig

# Registers the deploy checks; it needs nothing but the settings.
from blog import checks  # noqa: F401


class BlogConfig(AppConfig):
    """The articles side of the blog."""

    name = "blog"
    verbose_name = "Blog"


class AdminConfig(DjangoAdminConfig):
    """Django's admin, with this blog's site as the default one (blog/admin_site.py)."""

    default_site = "blog.admin_site.AdminSite"
