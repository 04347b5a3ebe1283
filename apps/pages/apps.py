from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _publish_branding(sender, **kwargs):
    from apps.pages import branding

    branding.publish_from_database()


class PagesConfig(AppConfig):
    """Pages that show several apps' content at once (a community, a profile): composed here,
    above the apps they draw on, so no app's views import another's. Also the shell's parts
    and the site's branding."""

    name = "apps.pages"
    label = "pages"

    def ready(self):
        # The branding file is written after every migrate (make run, the tests' database), so
        # that the pages never need the database to know the site's name and colour.
        post_migrate.connect(_publish_branding, sender=self)
