from django.apps import AppConfig


class WordPressConfig(AppConfig):
    """What came from WordPress: where each article and comment was, and mentions."""

    name = "wordpress"
    label = "wordpress"
    verbose_name = "WordPress import"
