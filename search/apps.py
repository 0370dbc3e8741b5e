from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Search: an index of the articles' text, kept in step with every save."""

    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Connects the receivers that keep the index in step with the articles.
        from search import index  # noqa: F401
