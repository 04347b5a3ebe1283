from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "apps.directory"
    label = "directory"

    def ready(self):
        # What the directory does when a lower app changes something it maps (a community's
        # address, an account activated by hand): the lower app sends a signal and never
        # imports the directory (docs/architecture.md).
        from apps.directory import receivers  # noqa: F401
        from apps.directory.services import accounts  # noqa: F401  (accounts (de)activated by hand)
