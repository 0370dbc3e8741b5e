from django.apps import AppConfig

# Registers the app's system checks; they look the model up when they run.
from comments import checks  # noqa: F401


class CommentsConfig(AppConfig):
    """Readers' comments on articles, held for moderation."""

    name = "comments"
