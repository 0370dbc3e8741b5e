from django.apps import AppConfig

# Registers the deploy checks; it needs nothing but the settings.
from blog import checks  # noqa: F401


class BlogConfig(AppConfig):
    """The articles side of the blog."""

    name = "blog"
    verbose_name = "Blog"
