"""Who decides whether a directory account is active: the directory, or an administrator here."""

from django.db import transaction

from apps.directory.models import DirectoryAccount, StatusOwner
from apps.moderation.services import audit_record


def account_status_taken_locally(*, user) -> None:
    """An administrator (de)activated this account by hand: syncs leave its status alone
    until it is handed back (account_status_handed_back)."""
    DirectoryAccount.objects.filter(user=user).update(status_owner=StatusOwner.LOCAL, deactivated_by_sync=False)


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
