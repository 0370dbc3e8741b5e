from django.apps import AppConfig


class PicturesConfig(AppConfig):
    """Images for articles: uploaded, stripped, resized, stored, rendered."""

    name = "pictures"
    default_auto_field = "django.db.models.BigAutoField"
