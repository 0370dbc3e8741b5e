from django.apps import AppConfig


class CommentsConfig(AppConfig):
    """Readers' comments on articles, held for moderation."""

    name = "comments"
