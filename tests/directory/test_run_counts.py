"""What a run records is what happened: every change of an entry is counted as an update,
a stopped run says how many entries it read and why it stopped."""

import pytest
from django.contrib.auth import get_user_model

from apps.directory.models import RunState
from apps.directory.secrets import encrypt
from apps.directory.services.sync import directory_sync
from tests.directory.helpers import make_ad_source, make_source
from tests.directory.slapd import ad_guid, ad_person, group, people, person, person_dn

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def test_a_rename_is_an_update(slapd):
    slapd.add([person("jdupre", "Jérôme", "Dupré"), *people(5)])
    source = make_source(slapd)
    directory_sync(source=source)
    new_dn = slapd.rename(person_dn("jdupre"), "uid=jerome.dupre")

    run = directory_sync(source=source)

    assert run.counts["updated"] == 1 and run.counts["unchanged"] == 5
    assert run.diff["updated"] == [
        {
            "email": "jdupre@example.com",
            "changes": {"dn": [person_dn("jdupre"), new_dn], "username": ["jdupre", "jerome.dupre"]},
        }
    ]


def test_disabling_and_enabling_alone_are_updates(slapd):
    entry = ad_person("leaving", "Théo", "Robin", guid=ad_guid(901))
    slapd.add([entry, *[ad_person(f"p{i}", "P", f"Person {i}", guid=ad_guid(910 + i)) for i in range(5)]])
    source = make_ad_source(slapd)
    directory_sync(source=source)

    slapd.modify(entry[0], {"userAccountControl": ["514"]})
    disabled = directory_sync(source=source)
    slapd.modify(entry[0], {"userAccountControl": ["512"]})
    enabled = directory_sync(source=source)

    assert (disabled.counts["updated"], disabled.counts["deactivated"], disabled.counts["unchanged"]) == (1, 1, 5)
    assert disabled.diff["updated"] == [
        {"email": "leaving@example.com", "changes": {"status": ["enabled", "disabled"]}}
    ]
    assert (enabled.counts["updated"], enabled.counts["reactivated"], enabled.counts["unchanged"]) == (1, 1, 5)
    assert enabled.diff["updated"][0]["changes"] == {"status": ["disabled", "enabled"]}


def test_a_run_cut_by_a_size_limit_records_what_it_read(slapd):
    entries = people(slapd.LIMITED_SIZE + 50)
    slapd.add(entries)
    source = make_source(slapd, bind_dn=slapd.limited_dn, bind_password=slapd.limited_password, page_size=30)

    run = directory_sync(source=source)

    assert run.state == RunState.ABORTED and "size limit" in run.message
    assert run.entries_read == slapd.LIMITED_SIZE
    assert f"after {slapd.LIMITED_SIZE} entries" in run.message
    assert not User.objects.filter(email__in=[attributes["mail"] for _dn, attributes in entries]).exists()


def test_a_run_cut_while_reading_groups_records_the_people_it_read(slapd, finance):
    slapd.add(people(12))
    source = make_source(slapd, group_communities={f"cn=missing,{slapd.groups_dn}": finance.slug})
    run = directory_sync(source=source)
    assert run.state == RunState.ABORTED and "does not exist" in run.message
    assert run.entries_read == 12


@pytest.mark.parametrize("group_is_there", [False, True])
def test_an_empty_directory_says_it_returned_nobody_whatever_its_groups(slapd, finance, group_is_there):
    entries = people(5)
    finance_group = group("finance", [dn for dn, _attributes in entries])
    slapd.add([*entries, finance_group])
    source = make_source(slapd, group_communities={finance_group[0]: finance.slug})
    directory_sync(source=source)
    slapd.reset()  # everything gone: people and groups
    if group_is_there:
        slapd.add([group("finance", [])])

    run = directory_sync(source=source, force=True)

    assert run.state == RunState.ABORTED
    assert run.message.startswith("The directory returned nobody"), run.message
    assert "finance" not in run.message
    assert run.entries_read == 0
    assert User.objects.filter(is_active=True, email__in=[a["mail"] for _dn, a in entries]).count() == 5


def test_a_wrong_bind_account_reading_nothing_is_no_size_limit(slapd):
    slapd.add(people(3))
    source = make_source(slapd, bind_dn=slapd.blind_dn, bind_password_encrypted=encrypt(slapd.blind_password))
    run = directory_sync(source=source)
    assert run.state == RunState.ABORTED and run.entries_read == 0
