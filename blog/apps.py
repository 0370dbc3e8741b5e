from django.apps import AppConfig


class BlogConfig(AppConfig):
    """The articles side of the blog."""

    name = "blog"
    verbose_name = "Blog"
