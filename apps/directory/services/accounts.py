"""Who decides whether a directory account is active: the directory, or an administrator here."""

from apps.directory.models import DirectoryAccount, StatusOwner


def account_status_taken_locally(*, user) -> None:
    """An administrator (de)activated this account by hand: syncs leave its status alone
    until it is handed back (account_status_handed_back)."""
    DirectoryAccount.objects.filter(user=user).update(status_owner=StatusOwner.LOCAL, deactivated_by_sync=False)


def account_status_handed_back(*, accounts) -> int:
    """The directory decides again, from the next run on: an inactive account comes back if
    its entry is there and enabled."""
    chosen = DirectoryAccount.objects.filter(pk__in=[a.pk for a in accounts])
    chosen.filter(user__is_active=False).update(deactivated_by_sync=True)
    return chosen.update(status_owner=StatusOwner.DIRECTORY)
