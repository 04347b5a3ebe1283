"""Who decides whether a directory account is active: the directory, or an administrator here."""

from django.db import transaction

from apps.directory.models import DirectoryAccount, StatusOwner
from apps.moderation.services import audit_record
from apps.profiles.signals import account_activation_set


def account_status_taken_locally(*, user_ids) -> None:
    """An administrator (de)activated these accounts by hand: syncs leave their status alone
    until it is handed back (account_status_handed_back)."""
    DirectoryAccount.objects.filter(user_id__in=user_ids).update(
        status_owner=StatusOwner.LOCAL, deactivated_by_sync=False
    )


def _activation_set(sender, *, user_ids, by_directory, **kwargs) -> None:
    # A run's own (de)activations stay the directory's: it marks them itself (deactivated_by_sync).
    if not by_directory:
        account_status_taken_locally(user_ids=user_ids)


# Imported by DirectoryConfig.ready: profiles, below the directory, tells it by this signal.
account_activation_set.connect(_activation_set, dispatch_uid="directory.account_status_taken_locally")


def account_status_handed_back(*, actor, accounts) -> int:
    """The directory decides again, from the next run on: an inactive account comes back if
    its entry is there and enabled."""
    with transaction.atomic():
        chosen = DirectoryAccount.objects.filter(pk__in=[a.pk for a in accounts])
        for account in chosen.select_related("user"):
            audit_record(
                actor=actor,
                action="directory.account.status_handed_back",
                target=account.user,
                before={"status_owner": account.status_owner},
                after={"status_owner": StatusOwner.DIRECTORY},
            )
        chosen.filter(user__is_active=False).update(deactivated_by_sync=True)
        return chosen.update(status_owner=StatusOwner.DIRECTORY)
