"""Active Directory's ranged retrieval of big groups (member;range=0-1499). OpenLDAP does
not page attribute values, so this stands in for a domain controller: the answers are
the ones AD gives (a range per read, '*' at the end)."""

import pytest

from apps.directory import ldap
from apps.directory.services.read import group_members

GROUP = "CN=All Staff,OU=Groups,DC=corp,DC=example,DC=com"


class DomainController:
    """Answers base searches of one group as AD does: 1,500 values per read at most."""

    def __init__(self, members: list[bytes], step: int = 1500):
        self.members, self.step, self.asked = members, step, []
        self.result, self.response = {}, []

    def search(self, base, search_filter, search_scope, attributes, paged_size, paged_cookie):
        (attribute,) = attributes
        self.asked.append(attribute)
        start = int(attribute.partition("=")[2].partition("-")[0]) if ";range=" in attribute else 0
        chunk = self.members[start : start + self.step]
        last = start + len(chunk) - 1
        if len(self.members) <= self.step and start == 0:
            key = "member"
        else:
            key = f"member;range={start}-{'*' if start + self.step >= len(self.members) else last}"
        self.result = {"result": ldap.SUCCESS, "controls": {}}
        self.response = [{"type": "searchResEntry", "dn": base, "raw_attributes": {key.lower(): chunk}}]
        return True


def _members(count):
    return [f"CN=Person {i},OU=Staff,DC=corp,DC=example,DC=com".encode() for i in range(count)]


def test_a_group_bigger_than_one_range_is_read_whole():
    controller = DomainController(_members(4000))
    values = group_members(controller, GROUP, "member", page_size=500)
    assert values == _members(4000)
    assert controller.asked == ["member", "member;range=1500-*", "member;range=3000-*"]


def test_a_small_group_is_one_read():
    controller = DomainController(_members(10))
    assert group_members(controller, GROUP, "member", page_size=500) == _members(10)
    assert controller.asked == ["member"]


def test_an_unreadable_group_aborts():
    controller = DomainController([])
    controller.search = lambda *a, **k: (
        setattr(controller, "response", []) or setattr(controller, "result", {"result": ldap.SUCCESS})
    )
    with pytest.raises(ldap.ReadIncomplete, match="cannot be read"):
        group_members(controller, GROUP, "member", page_size=500)
