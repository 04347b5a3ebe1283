"""DNs compared as names, not as text: managers, group members, nested groups, ranged
members and moved entries match whatever equal form a server writes them in (RFC 4514), and
the values that name nobody are counted and listed.

slapd rewrites the values of its DN attributes (manager, member) in one form of its own
(`\\2C`, UTF-8 decoded, types in lower case), so the tests that need values exactly as a
server wrote them read them from a text attribute (description), mapped as the manager or
member attribute: what a directory that keeps them as written hands over."""

import pytest
from django.contrib.auth import get_user_model

from apps.directory.models import DirectoryAccount, RunState
from apps.directory.services.sync import directory_sync
from apps.profiles.models import Profile
from tests.directory.helpers import community_members, make_ad_source
from tests.directory.slapd import AD_PEOPLE_DN, ad_group, ad_guid, ad_person

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()

# One DN, written as servers and administrators write it.
HELENE = "CN=Lefèvre\\, Hélène,OU=Staff,DC=example,DC=com"
HELENE_FORMS = [
    HELENE,
    "cn=Lef\\C3\\A8vre\\2C H\\C3\\A9l\\C3\\A8ne,ou=staff,dc=example,dc=com",  # OpenLDAP's form
    "cn = lefèvre\\, hélène , ou = STAFF, dc=EXAMPLE ,dc=com",
    'CN="Lefèvre, Hélène",OU=Staff,DC=example,DC=com',  # RFC 1779's quotes
    "CN=Lefèvre\\, Hélène;OU=Staff;DC=example;DC=com",  # RFC 1779's semicolons
    "2.5.4.3=LEFÈVRE\\2c HÉLÈNE,OID.2.5.4.11=Staff,0.9.2342.19200300.100.1.25=example,DC=com",
    "CN=Lefe\u0300vre\\, He\u0301le\u0300ne,OU=Staff,DC=example,DC=com",  # decomposed accents
    "CN=Lefèvre\\,  Hélène,OU=Staff,DC=example,DC=com",  # caseIgnoreMatch: inner spaces as one
]


def _staff(index, sam, given, surname, *, description=None, **values):
    dn, attributes = ad_person(sam, given, surname, guid=ad_guid(7000 + index), **values)
    if description is not None:
        attributes["description"] = description
    return dn, attributes


def _as_slapd_writes(dn: str) -> str:
    """The DN as slapd returns it: its own escape of a comma."""
    return dn.replace("\\,", "\\2C")


def test_managers_written_in_other_forms_are_linked(slapd):
    """Active Directory-like entries whose CNs hold a comma: every report names their
    manager in another equal form, and every one is linked."""
    boss = _staff(0, "hlefevre", "Hélène", "Lefèvre", cn="Lefèvre, Hélène")
    reports = [
        _staff(index, f"report{index}", "Report", f"Number {index}", cn=f"Number {index}, Report", description=form)
        for index, form in enumerate(HELENE_FORMS, start=1)
    ]
    stranger = _staff(99, "orphan", "Orphan", "Report", description="CN=Nobody\\, Here,OU=Staff,DC=example,DC=com")
    slapd.add([boss, *reports, stranger])
    source = make_ad_source(slapd, attribute_map={"manager": "description"})

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED, run.message
    helene = Profile.objects.get(user__email="hlefevre@example.com")
    linked = Profile.objects.filter(manager=helene).values_list("user__email", flat=True)
    assert sorted(linked) == sorted(attributes["mail"] for _dn, attributes in reports)
    assert run.counts["managers_unresolved"] == 1
    assert run.diff["unresolved"]["managers"] == [
        {"dn": stranger[0], "value": "CN=Nobody\\, Here,OU=Staff,DC=example,DC=com"}
    ]


def test_members_and_nested_groups_written_in_other_forms_join(slapd, finance):
    people = [_staff(index, f"member{index}", "Member", f"Number {index}", cn=f"Number {index}, Member")
              for index in range(4)]  # fmt: skip
    dns = [dn for dn, _attributes in people]
    lyon = ad_group("Finance, Lyon", [], guid=ad_guid(7500))
    paris = ad_group("Finance, Paris", [], guid=ad_guid(7501))
    # The member values, as text: people and the nested group in forms other than slapd's.
    lyon[1]["description"] = [
        dns[2].upper(),
        dns[3].replace("\\,", "\\2c"),
        'CN="Finance, Paris",OU=Groups,DC=example,DC=com',  # back to the parent: a loop
    ]
    paris[1]["description"] = [
        dns[0].replace("cn=", "CN = "),
        dns[1].replace("\\, ", "\\2C ").replace("ou=staff", "OU=Staff"),
        "CN = Finance\\2C Lyon , OU=Groups,DC=example,DC=com",  # the nested group
        f"cn=Gone\\, Someone,{AD_PEOPLE_DN}",  # names nobody
    ]
    slapd.add([*people, lyon, paris])
    mapped = _as_slapd_writes(paris[0])  # as the administrator copied it from the server
    source = make_ad_source(slapd, attribute_map={"member": "description"}, group_communities={mapped: finance.slug})

    dry = directory_sync(source=source, dry_run=True)

    assert dry.state == RunState.SUCCEEDED, dry.message
    assert dry.counts["memberships_added"] == 4 and dry.counts["members_unresolved"] == 1
    assert dry.diff["unresolved"]["members"] == [{"group": mapped, "value": f"cn=Gone\\, Someone,{AD_PEOPLE_DN}"}]
    run = directory_sync(source=source)
    assert community_members(finance) == {attributes["mail"] for _dn, attributes in people}
    assert run.counts["members_unresolved"] == 1


def test_a_dn_returned_in_another_form_is_no_move_and_a_real_move_is_an_update(slapd):
    entry = _staff(0, "hlefevre", "Hélène", "Lefèvre", cn="Lefèvre, Hélène")
    slapd.add([entry])
    source = make_ad_source(slapd)
    directory_sync(source=source)
    # An earlier server wrote the DN in its own form.
    DirectoryAccount.objects.update(dn=HELENE)

    same = directory_sync(source=source)

    assert same.counts["unchanged"] == 1 and same.counts["updated"] == 0, same.diff
    moved = slapd.rename(entry[0], "cn=Lefèvre\\, Hélène", new_superior=slapd.groups_dn)
    source.user_base = slapd.base_dn
    source.save()

    run = directory_sync(source=source)

    assert run.counts["updated"] == 1 and run.counts["unchanged"] == 0
    assert run.diff["updated"] == [
        {"email": "hlefevre@example.com", "changes": {"dn": [HELENE, _as_slapd_writes(moved)]}}
    ]
    assert DirectoryAccount.objects.get().dn == _as_slapd_writes(moved)


def test_values_that_are_no_dn_are_reported_and_escapes_of_other_octets_name_nobody(slapd, finance):
    """A manager or member value whose types are no types, or whose escapes make octets that
    are no UTF-8 (which servers refuse), is reported as no DN: never searched for, nor read
    as another name (errors='replace' made U+FFFD of such octets: whoever has it in their name)."""
    replaced = _staff(0, "replaced", "Odd", "Name", cn="Lef\ufffdvre")
    latin1 = _staff(1, "latin1", "Latin", "One", cn="One, Latin", description=f"CN=Lef\\E8vre,{AD_PEOPLE_DN}")
    typo = f"CN=Lefèvre;Hélène,{AD_PEOPLE_DN}"  # a comma typed as ';': "Hélène,ou" is no type
    broken = _staff(2, "broken", "Broken", "Value", cn="Value, Broken", description=typo)
    group = ad_group("Finance, Lyon", [], guid=ad_guid(7600))
    bad_member = "CN=Finance;Paris,OU=Groups,DC=example,DC=com"
    group[1]["description"] = [latin1[0], bad_member, f"CN=Lef\\E9vre,{AD_PEOPLE_DN}"]
    slapd.add([replaced, latin1, broken, group])
    source = make_ad_source(slapd, attribute_map={"manager": "description", "member": "description"},
                            group_communities={group[0]: finance.slug})  # fmt: skip

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED, run.message
    assert not Profile.objects.filter(manager__isnull=False).exists()
    assert run.counts["managers_unresolved"] == 2 and run.counts["members_unresolved"] == 2
    assert sorted(run.diff["unresolved"]["managers"], key=lambda item: item["dn"]) == [
        {"dn": _as_slapd_writes(latin1[0]), "value": f"CN=Lef\\E8vre,{AD_PEOPLE_DN}", "reason": "not a valid DN"},
        {"dn": _as_slapd_writes(broken[0]), "value": typo, "reason": "not a valid DN"},
    ]
    assert sorted(run.diff["unresolved"]["members"], key=lambda item: item["value"]) == [
        {"group": group[0], "value": bad_member, "reason": "not a valid DN"},
        {"group": group[0], "value": f"CN=Lef\\E9vre,{AD_PEOPLE_DN}", "reason": "not a valid DN"},
    ]
    assert community_members(finance) == {"latin1@example.com"}
    from django.template.loader import render_to_string

    page = render_to_string("admin/directory/diff.html", {"run": run, "diff": run.diff})
    assert page.count("not a valid DN") == 4
