from django.apps import AppConfig


class PagesConfig(AppConfig):
    """Pages that show several apps' content at once (a community, a profile): composed here,
    above the apps they draw on, so no app's views import another's."""

    name = "apps.pages"
    label = "pages"
