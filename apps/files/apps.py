from django.apps import AppConfig


class FilesConfig(AppConfig):
    """Uploaded files, shared by posts, messages, avatars and covers: their limits, checks,
    re-encoding, storage and serving. No models of its own: each owner keeps its rows."""

    name = "apps.files"
    label = "files"
