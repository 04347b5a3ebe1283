"""What a sync must never do: deactivate people on a partial picture, undo an administrator,
or lose a person who comes back."""

import pytest
from django.contrib.auth import get_user_model

from apps.directory.models import DirectoryAccount, RunState, StatusOwner
from apps.directory.secrets import encrypt
from apps.directory.services.sync import directory_sync
from apps.profiles.services import user_set_active
from tests.directory.helpers import make_source
from tests.directory.slapd import people, person, person_dn

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def _active_emails():
    return set(User.objects.filter(is_active=True).values_list("email", flat=True))


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(email="it.admin@example.com", password="x" * 12)


def _synced(slapd, count=100, **source_values):
    entries = people(count)
    slapd.add(entries)
    source = make_source(slapd, **source_values)
    run = directory_sync(source=source)
    assert run.state == RunState.SUCCEEDED, run.message
    return source, entries


def test_a_person_missing_from_the_directory_is_deactivated_not_deleted(slapd):
    source, entries = _synced(slapd)
    gone_dn = entries[-1][0]
    gone = DirectoryAccount.objects.get(dn=gone_dn).user
    slapd.delete(gone_dn)

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED
    assert run.counts["deactivated"] == 1
    assert run.diff["deactivated"] == [{"email": gone.email, "why": "missing"}]
    gone.refresh_from_db()
    assert not gone.is_active
    assert User.objects.count() == 100
    link = DirectoryAccount.objects.get(user=gone)
    assert link.deactivated_by_sync and link.missing_since is not None


def test_a_returning_person_is_reactivated_with_their_account(slapd):
    source, entries = _synced(slapd)
    dn, attributes = entries[-1]
    user = DirectoryAccount.objects.get(dn=dn).user
    slapd.delete(dn)
    directory_sync(source=source)

    slapd.add([(dn, attributes)])  # re-created: a new entryUUID, the same address
    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED, run.message
    assert run.counts["reactivated"] == 1 and run.counts["created"] == 0
    user.refresh_from_db()
    assert user.is_active
    assert DirectoryAccount.objects.filter(user=user).count() == 1
    assert DirectoryAccount.objects.get(user=user).external_id == slapd.entry_uuid(dn)


def test_a_person_moved_out_of_the_base_and_back_is_reactivated(slapd):
    source, entries = _synced(slapd)
    dn = entries[-1][0]
    user = DirectoryAccount.objects.get(dn=dn).user
    moved = slapd.rename(dn, dn.split(",")[0], new_superior=slapd.groups_dn)
    directory_sync(source=source)
    user.refresh_from_db()
    assert not user.is_active

    slapd.rename(moved, dn.split(",")[0], new_superior=slapd.people_dn)
    run = directory_sync(source=source)

    assert run.counts["reactivated"] == 1
    user.refresh_from_db()
    assert user.is_active


def test_more_deactivations_than_the_limit_abort_the_run(slapd):
    source, entries = _synced(slapd)  # 100 people: the limit is max(5, 2 % of 100) = 5
    for dn, _attributes in entries[-6:]:
        slapd.delete(dn)

    run = directory_sync(source=source)

    assert run.state == RunState.ABORTED
    assert "6" in run.message and "5" in run.message
    assert len(_active_emails()) == 100

    forced = directory_sync(source=source, force=True)
    assert forced.state == RunState.SUCCEEDED and forced.forced
    assert len(_active_emails()) == 94


def test_an_empty_result_aborts_even_when_forced(slapd):
    source, entries = _synced(slapd, count=20)
    for dn, _attributes in entries:
        slapd.delete(dn)
    run = directory_sync(source=source, force=True)
    assert run.state == RunState.ABORTED
    assert "nobody" in run.message
    assert len(_active_emails()) == 20


def test_a_bind_account_that_reads_nothing_aborts(slapd):
    source, _entries = _synced(slapd, count=20)
    source.bind_dn = slapd.blind_dn
    source.bind_password_encrypted = encrypt(slapd.blind_password)
    source.save()
    run = directory_sync(source=source)
    assert run.state == RunState.ABORTED
    assert len(_active_emails()) == 20


def test_a_result_truncated_by_a_size_limit_aborts_and_changes_nothing(slapd):
    source, entries = _synced(slapd, count=slapd.LIMITED_SIZE + 50, deactivation_limit=1000)
    source.bind_dn, source.bind_password_encrypted = slapd.limited_dn, encrypt(slapd.limited_password)
    source.save()
    slapd.modify(entries[0][0], {"title": ["Changed"]})

    run = directory_sync(source=source)

    assert run.state == RunState.ABORTED
    assert "size limit" in run.message
    assert len(_active_emails()) == slapd.LIMITED_SIZE + 50
    assert not User.objects.filter(profile__job_title="Changed").exists()


def test_a_wrong_bind_password_fails_the_run_and_changes_nothing(slapd):
    source, _entries = _synced(slapd, count=5)
    source.bind_password_encrypted = encrypt("wrong")
    source.save()
    run = directory_sync(source=source)
    assert run.state == RunState.FAILED
    assert run.message == "The server refused the bind DN or its password."
    assert len(_active_emails()) == 5


def test_an_administrators_deactivation_is_not_undone(slapd, admin_user):
    source, entries = _synced(slapd, count=20)
    user = DirectoryAccount.objects.get(dn=entries[3][0]).user
    user_set_active(actor=admin_user, user=user, active=False)

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED and run.counts["reactivated"] == 0
    user.refresh_from_db()
    assert not user.is_active
    assert DirectoryAccount.objects.get(user=user).status_owner == StatusOwner.LOCAL


def test_an_administrator_keeps_someone_the_directory_lost(slapd, admin_user):
    source, entries = _synced(slapd, count=20)
    user = DirectoryAccount.objects.get(dn=entries[3][0]).user
    slapd.delete(entries[3][0])
    directory_sync(source=source)
    user_set_active(actor=admin_user, user=user, active=True)

    run = directory_sync(source=source)

    assert run.counts["deactivated"] == 0
    user.refresh_from_db()
    assert user.is_active


def test_an_entry_with_an_error_is_reported_and_its_person_is_kept(slapd):
    source, entries = _synced(slapd, count=20)
    dn = entries[5][0]
    user = DirectoryAccount.objects.get(dn=dn).user
    slapd.modify(dn, {"mail": None})
    slapd.add([person("broken", "Bro", "Ken", mail="not-an-address")])

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED
    assert run.counts["errors"] == 2 and run.counts["deactivated"] == 0
    reasons = {item["dn"]: item["reason"] for item in run.diff["errors"]}
    assert "No e-mail address" in reasons[dn]
    assert "Invalid e-mail address" in reasons[person_dn("broken")]
    user.refresh_from_db()
    assert user.is_active


def test_a_dry_run_shows_the_diff_and_changes_nothing(slapd):
    source, entries = _synced(slapd, count=20)
    slapd.delete(entries[-1][0])
    slapd.modify(entries[0][0], {"title": ["Changed"]})
    slapd.add([person("newcomer", "Nouvel", "Arrivant")])

    run = directory_sync(source=source, dry_run=True)

    assert run.state == RunState.SUCCEEDED and run.dry_run
    assert run.counts["created"] == 1 and run.counts["updated"] == 1 and run.counts["deactivated"] == 1
    assert run.diff["created"] == ["newcomer@example.com"]
    assert run.diff["updated"][0]["changes"]["job_title"][1] == "Changed"
    assert len(_active_emails()) == 20
    assert not User.objects.filter(email="newcomer@example.com").exists()
    assert not User.objects.filter(profile__job_title="Changed").exists()
