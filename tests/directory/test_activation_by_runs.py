"""Who decides whether a directory account is active. An administrator's (de)activation, on
the profile page or in the Django admin, takes the status over (LOCAL): the activation service
tells the directory by a signal, profiles never importing it. A directory run's own
deactivation goes through the same service, in bulk, and leaves the status the directory's."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from apps.directory.models import DirectoryAccount, DirectorySource, RunState, StatusOwner
from apps.directory.services.sync import directory_sync
from apps.moderation.models import AuditLogEntry
from apps.profiles.activation import user_set_active
from tests.accounts.admin_forms import post_form
from tests.directory.helpers import make_source
from tests.directory.slapd import people
from tests.factories import ProfileFactory, UserFactory
from tests.profiles.activation_capture import activations_heard, sockets_closed

User = get_user_model()


@pytest.fixture
def admin(db):
    return ProfileFactory(user=UserFactory(is_staff=True, is_superuser=True)).user


def _linked_account(**values) -> DirectoryAccount:
    source = DirectorySource.objects.create(name="corp")
    user = ProfileFactory().user
    return DirectoryAccount.objects.create(
        source=source, user=user, external_id="1", dn="uid=1", values_hash="", **values
    )


@pytest.mark.django_db
@pytest.mark.parametrize("active", [False, True])
def test_an_administrators_decision_takes_the_status_over(admin, active):
    account = _linked_account(deactivated_by_sync=True)
    account.user.is_active = not active
    account.user.save(update_fields=["is_active"])
    user_set_active(actor=admin, user=account.user, active=active)
    account.refresh_from_db()
    assert (account.status_owner, account.deactivated_by_sync) == (StatusOwner.LOCAL, False)


@pytest.mark.django_db
def test_a_deactivation_in_the_django_admin_takes_the_status_over(client, admin):
    account = _linked_account()
    client.force_login(admin)
    assert post_form(client, f"/admin/accounts/user/{account.user_id}/change/", is_active=False).status_code == 302
    account.refresh_from_db()
    assert account.status_owner == StatusOwner.LOCAL


@pytest.mark.django_db
def test_a_refused_deactivation_leaves_the_status_to_the_directory(admin):
    account = _linked_account()
    with pytest.raises(PermissionDenied):
        user_set_active(actor=ProfileFactory().user, user=account.user, active=False)
    account.refresh_from_db()
    assert account.status_owner == StatusOwner.DIRECTORY


@pytest.mark.django_db(transaction=True)
def test_a_run_deactivates_through_the_service_and_keeps_the_status(slapd):
    entries = people(10)
    slapd.add(entries)
    source = make_source(slapd)
    assert directory_sync(source=source).state == RunState.SUCCEEDED
    gone_dn = entries[-1][0]
    gone = DirectoryAccount.objects.get(dn=gone_dn)
    slapd.delete(gone_dn)

    with activations_heard() as heard, sockets_closed() as closed:
        run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED and run.counts["deactivated"] == 1
    assert heard == [{"user_ids": [gone.user_id], "active": False, "by_directory": True, "actor": None}]
    assert closed == [f"user.{gone.user_id}"]  # on the run's commit
    gone.refresh_from_db()
    assert (gone.status_owner, gone.deactivated_by_sync) == (StatusOwner.DIRECTORY, True)
    assert not User.objects.get(pk=gone.user_id).is_active
    assert not AuditLogEntry.objects.filter(action__startswith="account.").exists()

    slapd.add([entries[-1]])  # back in the directory: the run that turned them off turns them on
    with activations_heard() as heard, sockets_closed() as closed:
        run = directory_sync(source=source)
    assert run.counts["reactivated"] == 1
    assert heard == [{"user_ids": [gone.user_id], "active": True, "by_directory": True, "actor": None}]
    assert closed == []
    gone.refresh_from_db()
    assert (gone.status_owner, gone.deactivated_by_sync) == (StatusOwner.DIRECTORY, False)
    assert User.objects.get(pk=gone.user_id).is_active
