from django.apps import AppConfig


class BlogConfig(AppConfig):
    """The articles side of the blog."""

    name = "blog"
    verbose_name = "Blog"

    def ready(self) -> None:
        # Connect the signals that keep cached article pages current.
        from blog import cache  # noqa: F401
