"""A directory re-created with new ids (a server migration, a restore): every entry is linked
again to its account by its address, and that is all it is. Nobody leaves or joins a
community, the run does not stop, and what did change is counted."""

import pytest
from django.contrib.auth import get_user_model

from apps.communities.models import Membership, State
from apps.directory.models import DirectoryAccount, DirectoryMembership, RunState
from apps.directory.services.sync import directory_sync
from tests.directory.helpers import community_members, make_source
from tests.directory.slapd import group, people

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def test_a_recreated_directory_keeps_memberships_and_counts_what_changed(slapd, finance):
    entries = people(40)
    finance_group = group("finance", [dn for dn, _attributes in entries[:30]])
    slapd.add([*entries, finance_group])
    source = make_source(slapd, group_communities={finance_group[0]: finance.slug})
    assert directory_sync(source=source).counts["memberships_added"] == 30
    old_ids = set(DirectoryAccount.objects.values_list("external_id", flat=True))
    members_before = community_members(finance)
    # The same people on a new server: new entryUUIDs; two of them changed meanwhile.
    slapd.reset()
    entries[0][1]["title"] = "Directrice financière"
    entries[1][1]["sn"] = "Lefèvre-Dupré"
    slapd.add([*entries, finance_group])

    dry = directory_sync(source=source, dry_run=True)

    assert dry.state == RunState.SUCCEEDED, dry.message
    expected = {"adopted": 40, "created": 0, "updated": 2, "deactivated": 0, "reactivated": 0,
                "memberships_added": 0, "memberships_removed": 0}  # fmt: skip
    assert {key: dry.counts[key] for key in expected} == expected
    assert sorted(item["email"] for item in dry.diff["updated"]) == sorted(
        attributes["mail"] for _dn, attributes in entries[:2]
    )
    assert dry.diff["memberships"] == {finance.slug: {"added": 0, "removed": 0}}

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED, run.message
    assert {key: run.counts[key] for key in expected} == expected
    assert community_members(finance) == members_before
    assert not Membership.objects.filter(community=finance).exclude(state=State.ACTIVE).exists()
    assert DirectoryMembership.objects.filter(community=finance).count() == 30
    new_ids = set(DirectoryAccount.objects.values_list("external_id", flat=True))
    assert len(new_ids) == 40 and not new_ids & old_ids
    assert User.objects.get(email=entries[1][1]["mail"]).last_name == "Lefèvre-Dupré"

    # And the run after it sees nothing to do.
    again = directory_sync(source=source)
    assert again.counts["unchanged"] == 40 and again.counts["memberships_removed"] == 0


def test_field_changes_of_relinked_people_are_counted_and_listed(slapd):
    entries = people(10)
    slapd.add(entries)
    source = make_source(slapd)
    directory_sync(source=source)
    before = entries[3][1]["title"]
    slapd.reset()
    entries[3][1]["title"] = "Analyste senior"
    slapd.add(entries)

    run = directory_sync(source=source)

    assert run.counts["adopted"] == 10 and run.counts["updated"] == 1 and run.counts["unchanged"] == 0
    assert run.diff["updated"] == [
        {"email": entries[3][1]["mail"], "changes": {"job_title": [before, "Analyste senior"]}}
    ]
