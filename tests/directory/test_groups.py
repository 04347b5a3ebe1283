"""Directory groups mapped to communities: members join, people who leave the group leave."""

import pytest
from django.contrib.auth import get_user_model

from apps.communities.models import Membership, Role, State
from apps.directory.models import RunState
from apps.directory.services.sync import directory_sync
from tests.directory.helpers import community_members, make_source
from tests.directory.slapd import group, people

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def test_group_members_join_and_leave_the_mapped_community(slapd, finance):
    entries = people(10)
    group_dn, group_attributes = group("finance", [dn for dn, _a in entries[:4]])
    slapd.add([*entries, (group_dn, group_attributes)])
    source = make_source(slapd, group_base=slapd.groups_dn, group_communities={group_dn: finance.slug})

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED, run.message
    assert run.counts["memberships_added"] == 4
    first_four = {attributes["mail"] for _dn, attributes in entries[:4]}
    assert community_members(finance) == first_four

    # One leaves the group, another joins; someone who joined by hand stays.
    by_hand = User.objects.get(email=entries[9][1]["mail"])
    Membership.objects.create(community=finance, user=by_hand, role=Role.MEMBER, state=State.ACTIVE)
    slapd.modify(group_dn, {"member": [dn for dn, _a in entries[1:5]]})

    run = directory_sync(source=source)

    assert run.counts["memberships_added"] == 1 and run.counts["memberships_removed"] == 1
    assert community_members(finance) == {attributes["mail"] for _dn, attributes in entries[1:5]} | {by_hand.email}
    left = Membership.objects.get(community=finance, user__email=entries[0][1]["mail"])
    assert left.state == State.REMOVED


def test_someone_who_left_the_community_is_not_added_back(slapd, finance):
    entries = people(3)
    group_dn, group_attributes = group("finance", [dn for dn, _a in entries])
    slapd.add([*entries, (group_dn, group_attributes)])
    source = make_source(slapd, group_communities={group_dn: finance.slug})
    directory_sync(source=source)
    Membership.objects.filter(community=finance, user__email=entries[0][1]["mail"]).update(state=State.LEFT)

    run = directory_sync(source=source)

    assert run.counts["memberships_added"] == 0
    assert Membership.objects.get(community=finance, user__email=entries[0][1]["mail"]).state == State.LEFT


def test_an_unreadable_mapped_group_aborts_the_run(slapd, finance):
    slapd.add(people(3))
    source = make_source(slapd, group_communities={"cn=nonexistent,ou=groups,dc=example,dc=com": finance.slug})
    run = directory_sync(source=source)
    assert run.state == RunState.ABORTED
    assert "does not exist" in run.message
    assert User.objects.filter(email__endswith="@example.com").count() == 1  # the owner only


def test_members_of_nested_groups_join_too_and_loops_end(slapd, finance):
    entries = people(6)
    lyon_dn = "cn=finance-lyon,ou=groups,dc=example,dc=com"
    paris = group("finance", [entries[0][0], entries[1][0], lyon_dn, "uid=gone,ou=people,dc=example,dc=com"])
    lyon = group("finance-lyon", [entries[2][0], entries[3][0], paris[0]])  # a loop back to the parent
    slapd.add([*entries, paris, lyon])
    source = make_source(slapd, group_communities={paris[0]: finance.slug})

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED, run.message
    assert community_members(finance) == {attributes["mail"] for _dn, attributes in entries[:4]}
