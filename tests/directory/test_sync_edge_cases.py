"""Where directories are messy: shared addresses, re-used addresses, several groups for one
community, groups that come back empty, people who leave and return, changed addresses."""

import pytest
from django.contrib.auth import get_user_model

from apps.directory.models import DirectoryAccount, RunState, StatusOwner
from apps.directory.services.signin import directory_authenticate
from apps.directory.services.sync import directory_sync
from apps.profiles.services import user_set_active
from tests.directory.helpers import community_members, make_source
from tests.directory.slapd import group, people, person, person_dn

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def test_entries_sharing_an_address_are_all_left_out_and_nobody_is_taken_over(slapd):
    slapd.add([person("alice", "Alice", "Martin", mail="alice@example.com"), *people(10)])
    source = make_source(slapd)
    directory_sync(source=source)
    alice = User.objects.get(email="alice@example.com")
    # An administrator account, disabled, with Alice's address.
    slapd.add([person("adm-alice", "Alice", "Admin", mail="alice@example.com")])

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED
    assert run.counts["errors"] == 2 and run.counts["deactivated"] == 0 and run.counts["adopted"] == 0
    assert DirectoryAccount.objects.get(user=alice).dn == person_dn("alice")
    alice.refresh_from_db()
    assert alice.is_active and alice.last_name == "Martin"


def test_an_address_given_to_a_new_entry_does_not_take_the_account_of_its_former_holder(slapd):
    slapd.add([person("alice", "Alice", "Martin", mail="alice@example.com")])
    source = make_source(slapd)
    directory_sync(source=source)
    slapd.modify(person_dn("alice"), {"mail": ["alice.martin@example.com"]})
    slapd.add([person("alice2", "Alice", "Other", mail="alice@example.com")])

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED, run.message
    assert User.objects.get(directory_accounts__dn=person_dn("alice")).email == "alice.martin@example.com"
    reasons = {item["dn"]: item["reason"] for item in run.diff["errors"]}
    assert "belongs to another entry" in reasons[person_dn("alice2")]


def test_a_changed_address_is_the_one_to_sign_in_with(slapd, client):
    slapd.add([person("alice", "Alice", "Martin", mail="alice@example.com", password="Directory-pass-1")])
    source = make_source(slapd, allow_signin=True)
    directory_sync(source=source)
    slapd.modify(person_dn("alice"), {"mail": ["alice.martin@example.com"]})
    directory_sync(source=source)
    user = User.objects.get(email="alice.martin@example.com")
    assert list(user.emailaddress_set.values_list("email", "verified", "primary")) == [
        ("alice.martin@example.com", True, True)
    ]
    response = client.post("/accounts/login/", {"login": "alice.martin@example.com", "password": "Directory-pass-1"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_several_groups_can_feed_one_community(slapd, finance):
    entries = people(6)
    first = group("finance-paris", [dn for dn, _a in entries[:3]])
    second = group("finance-lyon", [dn for dn, _a in entries[3:]])
    slapd.add([*entries, first, second])
    source = make_source(slapd, group_communities={first[0]: finance.slug, second[0]: finance.slug})

    run = directory_sync(source=source)

    assert run.counts["memberships_added"] == 6
    assert community_members(finance) == {attributes["mail"] for _dn, attributes in entries}
    assert directory_sync(source=source).counts["memberships_removed"] == 0


def test_a_group_that_comes_back_empty_aborts_unless_forced(slapd, finance):
    entries = people(5)
    finance_group = group("finance", [dn for dn, _a in entries])
    slapd.add([*entries, finance_group])
    source = make_source(slapd, group_communities={finance_group[0]: finance.slug})
    directory_sync(source=source)
    slapd.modify(finance_group[0], {"member": [slapd.base_dn]})  # groupOfNames' placeholder: nobody

    run = directory_sync(source=source)

    assert run.state == RunState.ABORTED and "came back empty" in run.message
    assert len(community_members(finance)) == 5
    assert directory_sync(source=source, force=True).state == RunState.SUCCEEDED
    assert community_members(finance) == set()


def test_someone_who_leaves_and_returns_gets_their_communities_back(slapd, finance):
    entries = people(20)
    finance_group = group("finance", [dn for dn, _a in entries[:3]])
    slapd.add([*entries, finance_group])
    source = make_source(slapd, group_communities={finance_group[0]: finance.slug})
    directory_sync(source=source)
    dn, attributes = entries[0]
    slapd.rename(dn, dn.split(",")[0], new_superior=slapd.groups_dn, update_references=False)
    directory_sync(source=source)
    assert not User.objects.get(email=attributes["mail"]).is_active

    slapd.rename(f"{dn.split(',')[0]},{slapd.groups_dn}", dn.split(",")[0], new_superior=slapd.people_dn,
                 update_references=False)  # fmt: skip
    run = directory_sync(source=source)

    assert run.counts["reactivated"] == 1
    assert attributes["mail"] in community_members(finance)


def test_an_account_adopted_by_a_recreated_entry_keeps_the_administrators_decision(slapd):
    admin = User.objects.create_superuser(email="root@example.com", password="x" * 12)
    entries = people(20)
    slapd.add(entries)
    source = make_source(slapd)
    directory_sync(source=source)
    dn, attributes = entries[4]
    user = User.objects.get(email=attributes["mail"])
    user_set_active(actor=admin, user=user, active=False)
    slapd.delete(dn)
    slapd.add([(dn, attributes)])  # re-created: a new entryUUID

    directory_sync(source=source)

    link = DirectoryAccount.objects.get(user=user)
    assert link.external_id == slapd.entry_uuid(dn) and link.status_owner == StatusOwner.LOCAL
    user.refresh_from_db()
    assert not user.is_active


def test_a_second_entry_with_the_same_address_cannot_sign_in_as_its_holder(slapd):
    slapd.add([person("alice", "Alice", "Martin", mail="alice@example.com", password="Alice-pass-1")])
    source = make_source(slapd, allow_signin=True, create_at_signin=True)
    directory_sync(source=source)
    slapd.add([person("adm-alice", "Alice", "Admin", mail="alice@example.com", password="Admin-pass-1")])

    assert directory_authenticate(login="adm-alice", password="Admin-pass-1") is None
    assert DirectoryAccount.objects.get(user__email="alice@example.com").dn == person_dn("alice")
    assert directory_authenticate(login="alice@example.com", password="Alice-pass-1").email == "alice@example.com"


def test_a_local_administrator_is_never_taken_over_at_sign_in(slapd):
    User.objects.create_superuser(email="root@example.com", password="x" * 12)
    slapd.add([person("root", "Root", "Account", mail="root@example.com", password="Root-pass-1")])
    make_source(slapd, allow_signin=True, create_at_signin=True)
    assert directory_authenticate(login="root", password="Root-pass-1") is None
    assert not DirectoryAccount.objects.exists()


def test_an_empty_password_never_binds(slapd):
    slapd.add([person("alice", "Alice", "Martin", password="Alice-pass-1")])
    source = make_source(slapd, allow_signin=True)
    directory_sync(source=source)
    from apps.directory import ldap

    with pytest.raises(ldap.BindRefused):
        ldap.connect(source, user=person_dn("alice"), password="")
    with pytest.raises(ldap.BindRefused):
        ldap.connect(source, user="", password="x")
    assert directory_authenticate(login="alice", password="") is None
