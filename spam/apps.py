from django.apps import AppConfig


class SpamConfig(AppConfig):
    """
    A spam filter that learns from the moderators' decisions, on this server.

    It knows samples (spam/features.py), never the comments they come from:
    the host app maps its objects to samples and calls spam/filter.py.
    """

    name = "spam"
    verbose_name = "Spam filter"
