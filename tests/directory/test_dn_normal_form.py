"""The normal form of DNs (apps.directory.dn): equal names written differently (RFC 4514,
RFC 1779) get one form, different names keep different ones; ranged group members are looked
up in it."""

import pytest

from apps.directory.dn import dn_text, is_dn, normal_dn, searchable_dn
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


# Escapes of octets that are no UTF-8 (Latin-1 written as hex, say) name those octets: two
# different ones, or one and the replacement character, are different names.
@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("CN=Lef\\E8vre,OU=x", "CN=Lef\\E9vre,OU=x"),
        ("CN=Lef\\E8vre,OU=x", "CN=Lef\\EF\\BF\\BDvre,OU=x"),  # U+FFFD, what errors='replace' gave
        ("CN=Lef\\E8vre,OU=x", "CN=Lef\ufffdvre,OU=x"),
        ("CN=Lef\\E8vre,OU=x", "CN=Lef\\\\E8vre,OU=x"),  # a backslash, then the text E8
        ("CN=Lef\\E8vre,OU=x", "CN=Lefvre,OU=x"),
        ("CN=\\C3,OU=x", "CN=\\C3\\A8,OU=x"),  # a cut sequence, and the whole one (è)
    ],
)
def test_octets_that_are_no_utf8_keep_distinct_names(one, other):
    assert normal_dn(one) != normal_dn(other)
    assert searchable_dn(one) != searchable_dn(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("CN=Lef\\E8vre,OU=x", "cn=lef\\e8vre,ou=X"),  # hex digits and types in either case
        ("CN=Lef\\E8vre\\C3\\A9,OU=x", "CN=LEF\\E8VREÉ,OU=x"),  # the valid part folded as always
        ("2.5.4.3=a,OID.2.5.4.11=x", "cn=a,ou=x"),
        ("CN=foo\\ ,OU=x", "CN=foo,OU=x"),  # caseIgnoreMatch: spaces at the ends are insignificant
    ],
)
def test_equal_names_with_such_octets_or_oids_share_a_form(one, other):
    assert normal_dn(one) == normal_dn(other)


def test_octets_read_from_the_server_as_bytes_are_their_hex_escapes():
    """A value read as bytes that are no UTF-8 is the name those octets make, as escapes."""
    assert dn_text(b"CN=Lef\xe8vre,OU=x") == "CN=Lef\\e8vre,OU=x"
    assert normal_dn(dn_text(b"CN=Lef\xe8vre,OU=x")) == normal_dn("cn=lef\\E8vre,ou=x")
    assert normal_dn(dn_text(b"CN=Lef\xe8vre,OU=x")) != normal_dn(dn_text(b"CN=Lef\xe9vre,OU=x"))
    assert dn_text("CN=Lefèvre,OU=x".encode()) == "CN=Lefèvre,OU=x"


# Attribute types are descriptors (a letter, then letters, digits, hyphens) or numeric OIDs:
# anything else is no DN, and each such text only equals itself.
NO_DNS = [
    "CN=a;b,OU=x",
    "CN=a,b,OU=x",
    "CN=a,b c=d,OU=x",
    "CN=a,,OU=x",
    "CN=a,=b,OU=x",
    "1CN=a,OU=x",
    "_cn=a,OU=x",
    "c n=a,OU=x",
    "2.5.=a,OU=x",
    "02.5.4.3=a,OU=x",
    "oid.cn=a,OU=x",
    "CN=a,OU=x,",
    "CN=\\",
    "not a dn",
]
# Names whose octets are no UTF-8: distinct forms (above), but no DN a server searches for.
NOT_UTF8 = ["CN=Lef\\E8vre,OU=x", "CN=\\C3,OU=x"]


@pytest.mark.parametrize("text", NO_DNS)
def test_text_with_a_type_that_is_no_type_is_no_dn(text):
    assert not is_dn(text)
    assert searchable_dn(text) == text
    others = [normal_dn(other) for other in NO_DNS if other != text]
    assert normal_dn(text) not in others
    assert normal_dn(text) not in {"cn=a,b,ou=x", "cn=a\\,b,ou=x", "cn=a;b,ou=x"}


def test_names_whose_octets_are_no_utf8_are_no_dns_to_search_for():
    assert not any(is_dn(text) for text in NOT_UTF8)
    assert is_dn("CN=Lef\\C3\\A8vre,OU=x") and is_dn("CN=#e8,OU=x")  # BER values are octets


@pytest.mark.parametrize(
    "text", ["", "cn=a,ou=x", "CN=a\\;b,OU=x", "cn-2=a", "2.5.4.3=a", "OID.2.5.4.3=a", "cn=,ou=x", HELENE]
)
def test_dns_are_dns(text):
    assert is_dn(text)
    assert normal_dn(searchable_dn(text)) == normal_dn(text)
    assert searchable_dn("CN=,OU=x") == "cn=,ou=x"  # an empty value (ldap3 would not search it)


@pytest.mark.parametrize(
    ("written", "searchable"),
    [
        ("CN=foo\\ ,OU=x", "cn=foo\\ ,ou=x"),  # an escaped space is part of the value
        ("CN=\\ foo,OU=x", "cn=\\ foo,ou=x"),
        ("CN=foo\\20,OU=x", "cn=foo\\ ,ou=x"),
        ("CN=foo\\ \\ ,OU=x", "cn=foo \\ ,ou=x"),
        ('CN="foo ",OU=x', "cn=foo\\ ,ou=x"),  # so is a space inside quotes
        ("CN = foo  , OU=x", "cn=foo,ou=x"),  # spaces around separators are not
        ("CN=a\\,b\\ ;OU=x", "cn=a\\,b\\ ,ou=x"),
        ("CN=Lef\\E8vre,OU=x", "cn=Lef\\e8vre,ou=x"),
    ],
)
def test_a_searchable_form_keeps_escaped_spaces_and_octets(written, searchable):
    from ldap3.utils.dn import safe_dn

    assert searchable_dn(written) == searchable
    safe_dn(searchable)
    assert normal_dn(searchable) == normal_dn(written)
