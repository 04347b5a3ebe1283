from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _user_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    from apps.profiles.services import user_saved_refresh_search

    if not raw:  # loaddata: the fixture holds the profile's search fields already
        user_saved_refresh_search(user=instance, update_fields=update_fields)


class ProfilesConfig(AppConfig):
    name = "apps.profiles"
    label = "profiles"
    verbose_name = _("Profiles")

    def ready(self):
        # A signal, though not for a domain effect: the search text is derived
        # from the account's names and address, which many writers change (the Django
        # admin, allauth's e-mail management, single sign-on); none of them may leave the
        # directory searching the old name.
        post_save.connect(_user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="profiles.user_saved")
