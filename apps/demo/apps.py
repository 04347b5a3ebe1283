from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation and the benchmark's scale data: at the top of the layers, so no
    production app imports it (docs/architecture.md)."""

    name = "apps.demo"
    label = "demo"
