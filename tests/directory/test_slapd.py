"""The test slapd (slapd.py) behaves as the directory tests expect: limits and paging, access
rules, TLS, binds, entryUUID, Active Directory-like entries, bulk loading."""

import ssl
import uuid
from datetime import UTC, datetime, timedelta

import ldap3
import pytest
from ldap3.core.exceptions import LDAPException

from tests.directory.slapd import (
    LIMITED_SIZE,
    NEVER_EXPIRES,
    RESET_RELOAD_THRESHOLD,
    SIZE_LIMIT,
    SlapdError,
    ad_person,
    group,
    people,
    person,
    write_certificates,
)

SIZE_LIMIT_EXCEEDED = 4


def paged(server, dn, password, *, base=None, search_filter="(objectClass=inetOrgPerson)", page_size=200):
    """(entries returned, final result code) of a paged search with ldap3's generator."""
    connection = server.connection(dn, password)
    entries = connection.extend.standard.paged_search(
        base or server.people_dn, search_filter, attributes=["uid"], paged_size=page_size, generator=True
    )
    count = sum(1 for entry in entries if entry["type"] == "searchResEntry")
    return count, connection.result["result"]


def test_the_reader_pages_through_everything_but_one_search_stops_at_the_size_limit(slapd):
    slapd.add(people(1200))

    assert paged(slapd, slapd.reader_dn, slapd.reader_password) == (1200, 0)
    connection = slapd.connection(slapd.reader_dn, slapd.reader_password)
    connection.search(slapd.people_dn, "(objectClass=inetOrgPerson)", attributes=["uid"])
    assert connection.result["result"] == SIZE_LIMIT_EXCEEDED
    assert len(connection.response) == SIZE_LIMIT


def test_the_limited_account_stops_at_its_limit_even_paged(slapd):
    slapd.add(people(LIMITED_SIZE + 50))

    assert paged(slapd, slapd.limited_dn, slapd.limited_password, page_size=30) == (LIMITED_SIZE, SIZE_LIMIT_EXCEEDED)


def test_the_blind_account_binds_but_finds_nobody(slapd):
    entries = people(20)
    slapd.add([*entries, group("Everyone", [dn for dn, _ in entries]), ad_person("a", "A", "B", guid=uuid.uuid4())])

    for base in (slapd.people_dn, slapd.ad_people_dn, slapd.base_dn):
        assert paged(slapd, slapd.blind_dn, slapd.blind_password, base=base) == (0, 0)
    found = paged(slapd, slapd.blind_dn, slapd.blind_password, base=slapd.groups_dn, search_filter="(cn=*)")
    assert found == (0, 0)
    assert paged(slapd, slapd.reader_dn, slapd.reader_password, base=slapd.base_dn) == (21, 0)


def tls_connection(server, *, ldaps, ca_file):
    tls = ldap3.Tls(ca_certs_file=ca_file, validate=ssl.CERT_REQUIRED)
    uri = server.ldaps_uri if ldaps else server.uri
    connection = ldap3.Connection(
        ldap3.Server(uri, use_ssl=ldaps, tls=tls, get_info=ldap3.NONE, connect_timeout=5),
        user=server.reader_dn,
        password=server.reader_password,
        raise_exceptions=False,
    )
    connection.open()
    if not ldaps:
        assert connection.start_tls()
    assert connection.bind()
    return connection


@pytest.mark.parametrize("ldaps", [False, True], ids=["starttls", "ldaps"])
def test_tls_with_the_servers_ca_and_not_with_another(slapd, tmp_path, ldaps):
    connection = tls_connection(slapd, ldaps=ldaps, ca_file=slapd.ca_file)
    assert connection.extend.standard.who_am_i() == f"dn:{slapd.reader_dn}"
    assert connection.socket.version() in ("TLSv1.2", "TLSv1.3")

    other_ca = write_certificates(tmp_path)[0]
    with pytest.raises(LDAPException, match="CERTIFICATE_VERIFY_FAILED"):
        tls_connection(slapd, ldaps=ldaps, ca_file=str(other_ca))


def test_a_person_binds_with_their_password_which_nobody_reads(slapd):
    entry = person("zoe.muller", "Zoë", "Müller", password="Zoë's secret")
    slapd.add([entry])
    dn = entry[0]

    assert slapd.connection(dn, "Zoë's secret").extend.standard.who_am_i() == f"dn:{dn}"
    with pytest.raises(SlapdError, match="invalidCredentials"):
        slapd.connection(dn, "wrong")
    reader = slapd.connection(slapd.reader_dn, slapd.reader_password)
    reader.search(dn, "(objectClass=*)", ldap3.BASE, attributes=["*"])
    assert reader.response[0]["attributes"]["mail"] == ["zoe.muller@example.com"]
    assert "userPassword" not in reader.response[0]["attributes"]


def test_entry_uuid_stays_when_a_person_moves_and_references_follow(slapd):
    boss, report = person("boss", "Hélène", "Lefèvre"), person("report", "Jérôme", "Dupré", manager_uid="boss")
    team = group("Team", [boss[0]])
    slapd.add([team, boss, report])
    before = slapd.entry_uuid(boss[0])

    moved = slapd.rename(boss[0], "uid=hlefevre", slapd.ad_people_dn)

    assert moved == f"uid=hlefevre,{slapd.ad_people_dn}"
    assert slapd.read(boss[0]) is None
    assert slapd.entry_uuid(moved) == before
    assert slapd.read(report[0], ["manager"]) == {"manager": [moved.encode()]}
    assert slapd.read(team[0], ["member"]) == {"member": [moved.encode()]}
    assert slapd.read(moved, ["memberOf"]) == {"memberOf": [team[0].encode()]}


def test_active_directory_entries(slapd):
    guid = uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")
    expires = datetime(2031, 6, 30, 22, 0, tzinfo=UTC)
    boss = ad_person("jdupre", "Jérôme", "Dupré", guid=uuid.uuid4())
    slapd.add(
        [
            boss,
            ad_person("hlefevre", "Hélène", "Lefèvre", guid=guid, disabled=True, expires=expires, manager_dn=boss[0]),
        ]
    )
    connection = slapd.connection(slapd.reader_dn, slapd.reader_password)

    connection.search(
        slapd.ad_people_dn,
        "(&(objectCategory=person)(objectClass=user)(sAMAccountName=HLefevre))",
        attributes=["objectGUID", "userAccountControl", "accountExpires", "manager", "userPrincipalName"],
    )
    [entry] = connection.response
    assert entry["dn"] == f"cn=Hélène Lefèvre,{slapd.ad_people_dn}"
    raw = entry["raw_attributes"]
    assert raw["objectGUID"] == [guid.bytes_le]
    assert uuid.UUID(bytes_le=raw["objectGUID"][0]) == guid
    assert raw["userAccountControl"] == [b"514"]
    filetime = (expires - datetime(1601, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) * 10
    assert raw["accountExpires"] == [str(filetime).encode()]
    assert raw["manager"] == [boss[0].encode()]
    assert raw["userPrincipalName"] == [b"hlefevre@corp.example.com"]

    assert slapd.read(boss[0], ["userAccountControl", "accountExpires"]) == {
        "userAccountControl": [b"512"],
        "accountExpires": [NEVER_EXPIRES.encode()],
    }
    connection.search(slapd.ad_people_dn, "(userAccountControl:1.2.840.113556.1.4.803:=2)", attributes=["1.1"])
    assert [item["dn"] for item in connection.response] == [entry["dn"]]


def test_bulk_load_gives_entry_uuids_and_reset_empties_it(slapd):
    entries = people(RESET_RELOAD_THRESHOLD + 500)
    slapd.bulk_load([*entries, group("Early birds", [dn for dn, _ in entries[:3]])])

    assert paged(slapd, slapd.reader_dn, slapd.reader_password, page_size=1000) == (len(entries), 0)
    first = slapd.read(entries[0][0])
    assert len(first["entryUUID"][0]) == 36
    assert first["createTimestamp"]
    assert first["memberOf"] == [f"cn=Early birds,{slapd.groups_dn}".encode()]

    slapd.reset()
    assert slapd.dns(slapd.people_dn) == []
    assert slapd.dns(slapd.services_dn) == [slapd.reader_dn, slapd.blind_dn, slapd.limited_dn]
