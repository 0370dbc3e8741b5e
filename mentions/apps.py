from django.apps import AppConfig


class MentionsConfig(AppConfig):
    """Other pages that link to the articles: pingbacks, trackbacks and Webmentions."""

    name = "mentions"
    verbose_name = "Mentions elsewhere"

    def ready(self) -> None:
        # Connects the receivers: an article published or edited sends its Webmentions,
        # and the worker's rounds take up what a crash left.
        from mentions import sending, worker  # noqa: F401
