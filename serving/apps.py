from django.apps import AppConfig


class ServingConfig(AppConfig):
    """How pages reach readers through a shared cache: query strings, and withdrawing pages."""

    name = "serving"
    verbose_name = "Serving"

    def ready(self) -> None:
        # Connects the receivers that delete withdrawn pages from nginx's cache.
        from serving import purge  # noqa: F401
