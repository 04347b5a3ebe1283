"""The Active Directory preset on entries carrying AD attributes (slapd's msuser schema):
objectGUID as the stable id, disabled and expired accounts, managers by DN."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model

from apps.directory.models import DirectoryAccount, RunState
from apps.directory.services.sync import directory_sync
from apps.profiles.models import Profile
from tests.directory.helpers import make_ad_source
from tests.directory.slapd import ad_guid, ad_people, ad_person

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def test_ad_entries_sync_with_object_guid_and_managers(slapd):
    entries = ad_people(30)
    slapd.add(entries)

    run = directory_sync(source=make_ad_source(slapd))

    assert run.state == RunState.SUCCEEDED, run.message
    assert run.counts["created"] == 30
    first = DirectoryAccount.objects.get(dn=entries[0][0])
    assert first.external_id == str(ad_guid(0))
    assert first.username == entries[0][1]["sAMAccountName"]
    assert Profile.objects.filter(manager__isnull=False).count() == 29
    second = Profile.objects.get(user__directory_accounts__dn=entries[1][0])
    assert second.manager.user_id == first.user_id
    assert second.location == (entries[1][1].get("physicalDeliveryOfficeName") or "")


def test_disabled_and_expired_accounts_are_deactivated(slapd):
    boss = ad_person("boss", "Agnès", "Perrin", guid=ad_guid(900))
    leaving = ad_person("leaving", "Théo", "Robin", guid=ad_guid(901))
    expiring = ad_person("expiring", "Inès", "Noël", guid=ad_guid(902))
    slapd.add([*ad_people(20), boss, leaving, expiring])
    source = make_ad_source(slapd)
    assert directory_sync(source=source).counts["created"] == 23

    slapd.modify(leaving[0], {"userAccountControl": ["514"]})
    past = datetime.now(UTC) - timedelta(days=1)
    filetime = int((past - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)
    slapd.modify(expiring[0], {"accountExpires": [str(filetime)]})

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED, run.message
    assert sorted((item["email"], item["why"]) for item in run.diff["deactivated"]) == [
        ("expiring@example.com", "expired"),
        ("leaving@example.com", "disabled"),
    ]
    assert set(User.objects.filter(is_active=False).values_list("email", flat=True)) == {
        "expiring@example.com", "leaving@example.com"}  # fmt: skip

    slapd.modify(leaving[0], {"userAccountControl": ["512"]})
    again = directory_sync(source=source)
    assert again.diff["reactivated"] == ["leaving@example.com"]
    assert User.objects.get(email="leaving@example.com").is_active


def test_a_disabled_account_never_seen_before_is_not_created(slapd):
    slapd.add(ad_people(12, disabled_every=4))
    run = directory_sync(source=make_ad_source(slapd))
    assert run.counts["created"] == 9 and run.counts["skipped_disabled"] == 3
    assert User.objects.count() == 9


def test_an_entry_without_mail_uses_its_user_principal_name(slapd):
    dn, attributes = ad_person("nomail", "Loïc", "Blanc", guid=ad_guid(950))
    attributes.pop("mail")
    slapd.add([(dn, attributes)])
    run = directory_sync(source=make_ad_source(slapd))
    assert run.state == RunState.SUCCEEDED
    assert User.objects.get().email == "nomail@corp.example.com"
