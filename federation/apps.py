from django.apps import AppConfig


class FederationConfig(AppConfig):
    """The blog as a fediverse account: its actor, its inbox, its deliveries."""

    name = "federation"
    verbose_name = "Fediverse"

    def ready(self) -> None:
        # The blog and the comments apps never call federation: it listens to their signals.
        from federation import publishing  # noqa: F401
