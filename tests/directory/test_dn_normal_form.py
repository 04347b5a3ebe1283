"""The normal form of DNs (apps.directory.dn): equal names written differently (RFC 4514,
RFC 1779) get one form, different names keep different ones; ranged group members are looked
up in it."""

import pytest

from apps.directory.dn import normal_dn, searchable_dn
from apps.directory.services.read import GroupExpander
from tests.directory.slapd import ad_person_dn
from tests.directory.test_dn_forms import HELENE, HELENE_FORMS
from tests.directory.test_ranged_groups import DomainController


@pytest.mark.parametrize("form", HELENE_FORMS)
def test_equal_forms_have_one_normal_form(form):
    assert normal_dn(form) == normal_dn(HELENE)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("CN=Lefèvre\\, Hélène,OU=Staff,DC=example,DC=com", "CN=Lefèvre,CN=Hélène,OU=Staff,DC=example,DC=com"),
        ("cn=a\\+b,dc=x", "cn=a+cn=b,dc=x"),
        ("cn=\\#04,dc=x", "cn=#04,dc=x"),  # the text "#04", and the BER value 04
        ("cn=Anne Martin,dc=x", "cn=AnneMartin,dc=x"),
        ("uid=a,ou=people,dc=x", "uid=a,ou=staff,dc=x"),
    ],
)
def test_different_names_stay_different(one, other):
    assert normal_dn(one) != normal_dn(other)


def test_the_values_of_a_multi_valued_rdn_compare_in_any_order():
    assert normal_dn("cn=Anne+uid=amartin,dc=x") == normal_dn("UID=AMartin + CN=anne,DC=X")
    assert normal_dn("cn=a,dc=x") == "cn=a,dc=x" and normal_dn("") == ""


def test_text_that_is_no_dn_only_equals_itself():
    assert normal_dn("not a dn") == normal_dn("NOT A DN") != normal_dn("cn=not a dn")


def test_ranged_members_in_other_forms_are_found():
    """Active Directory's ranged answers (member;range=...) go through the same lookup."""
    members = [ad_person_dn(f"Person {index}, Staff") for index in range(3200)]
    written = [(dn.upper() if index % 2 else dn.replace("\\,", "\\2C")).encode() for index, dn in enumerate(members)]
    ids_by_dn = {normal_dn(dn): f"id-{index}" for index, dn in enumerate(members)}
    expander = GroupExpander(DomainController(written), "member", "(objectClass=group)", ids_by_dn, page_size=500)
    assert expander.members("CN=All Staff,OU=Groups,DC=example,DC=com") == set(ids_by_dn.values())
    assert expander.unresolved == {}


@pytest.mark.parametrize(
    ("written", "searchable"),
    [
        ("CN = Finance\\2C Lyon , OU=Groups,DC=example,DC=com", "cn=Finance\\, Lyon,ou=Groups,dc=example,dc=com"),
        ('CN="Finance, Paris";OU=Groups', "cn=Finance\\, Paris,ou=Groups"),
        ("uid=amartin,ou=people,dc=example,dc=com", "uid=amartin,ou=people,dc=example,dc=com"),
        ("not a dn", "not a dn"),
    ],
)
def test_a_dn_found_in_a_value_gets_a_form_ldap3_searches_with(written, searchable):
    from ldap3.utils.dn import safe_dn

    assert searchable_dn(written) == searchable
    if "=" in written:
        safe_dn(searchable)  # ldap3's check of a search base: raises on what it refuses
        assert normal_dn(searchable) == normal_dn(written)
