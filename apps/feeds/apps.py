from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "apps.feeds"
    label = "feeds"

    def ready(self):
        # What feeds does when a lower app's content changes (a community deleted): the
        # lower app sends a signal and never imports feeds (docs/architecture.md).
        from apps.feeds import receivers  # noqa: F401
