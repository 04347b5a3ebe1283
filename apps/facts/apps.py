from django.apps import AppConfig


class FactsConfig(AppConfig):
    """The outbox: what happened, recorded by the app it happened in, in its own transaction,
    and handed to the apps that react to it (docs/architecture.md)."""

    name = "apps.facts"
    label = "facts"
