"""Account activation: whether a person may sign in and is listed in the directory.

One service for everyone who decides it, so that each of them has the same effects:
- a person, one account at a time: an administrator on the profile page or in the Django
  admin (user_set_active, refused by activation_check, audited);
- a directory run, many accounts at once (accounts_set_active: one statement for
  thousands of people, no audit entry, the run itself being the record).

Either way, once is_active is written: the apps above are told (signals.account_activation_set;
the directory keeps its hands off an account an administrator decided for), a deactivated
person's open sockets close on commit, and the directory's cached filters are forgotten.
What people wrote stays."""

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from apps.core.broadcast import disconnect_on_commit, group_name
from apps.moderation.services import audit_record
from apps.profiles.selectors import FACETS_CACHE_KEY, is_profile_admin
from apps.profiles.signals import account_activation_set


def activation_check(*, actor, user) -> None:
    """Refuses what `actor` may not do to `user`'s account: PermissionDenied for someone who
    is not an administrator of both profiles and accounts, ValidationError for oneself. The
    Django admin's form asks this too, to say it on the form."""
    if not is_profile_admin(actor) or not actor.has_perm("accounts.change_user"):
        raise PermissionDenied(_("Only administrators deactivate accounts."))
    if actor.pk == user.pk:
        raise ValidationError(_("You cannot deactivate your own account."))


def user_set_active(*, actor, user, active: bool) -> None:
    """An administrator deactivates (or brings back) one account. It is theirs to decide from
    now on: the directory's runs leave its status alone until it is handed back."""
    activation_check(actor=actor, user=user)
    with transaction.atomic():
        was_active = user.is_active
        user.is_active = active
        user.save(update_fields=["is_active"])
        if was_active != active:
            audit_record(
                actor=actor,
                action="account.reactivate" if active else "account.deactivate",
                target=user,
                before={"is_active": was_active},
                after={"is_active": active},
            )
        _activation_set(user_ids=[user.pk], active=active, by_directory=False, actor=actor)


def accounts_set_active(*, user_ids: list[int], active: bool) -> None:
    """A directory run turns accounts off or back on, inside its transaction. One UPDATE
    whatever their number: a run of 20,000 people writes in seconds, not minutes. No checks
    (the run applied its own rules) and no post_save signal (its receivers watch a user's
    password and names, which this does not write)."""
    if not user_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET is_active = %s WHERE id = ANY(%s)", [active, list(user_ids)])
    _activation_set(user_ids=user_ids, active=active, by_directory=True, actor=None)


def _activation_set(*, user_ids, active: bool, by_directory: bool, actor) -> None:
    """What follows is_active written, whoever wrote it."""
    account_activation_set.send(
        sender=get_user_model(), user_ids=list(user_ids), active=active, by_directory=by_directory, actor=actor
    )
    if not active:
        for user_id in user_ids:
            disconnect_on_commit(group_name("user", user_id))
    forget_directory_facets()


def forget_directory_facets() -> None:
    """The directory page's filters (departments, offices, with their counts of active people)
    are cached: forgotten on commit when who is active changes, or a directory run rewrote
    people's fields."""
    transaction.on_commit(lambda: cache.delete(FACETS_CACHE_KEY))
