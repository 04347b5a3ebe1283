from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from apps.accounts import signals

        # A changed password or two-factor authentication turned off ends the person's
        # other sessions, whichever page, admin or command made the change.
        signals.connect()
