"""Connections: StartTLS and LDAPS checked against the CA file, failover, passwords at rest."""

import pytest

from apps.directory import ldap
from apps.directory.models import RunState, Security
from apps.directory.secrets import decrypt
from apps.directory.services.sources import source_test
from apps.directory.services.sync import directory_sync
from tests.benchmarks.support import free_port
from tests.directory.helpers import make_source
from tests.directory.slapd import people, write_certificates

pytestmark = pytest.mark.django_db(transaction=True)


def test_starttls_with_the_ca_file(slapd):
    slapd.add(people(3))
    source = make_source(slapd, security=Security.STARTTLS, ca_file=slapd.ca_file)
    assert directory_sync(source=source).state == RunState.SUCCEEDED


def test_ldaps_with_the_ca_file(slapd):
    slapd.add(people(3))
    source = make_source(slapd, uris=[slapd.ldaps_uri], security=Security.LDAPS, ca_file=slapd.ca_file)
    result = source_test(source)
    assert len(result["sample"]) == 3
    assert result["user"] == f"dn:{slapd.reader_dn}"


def test_a_certificate_from_another_ca_is_refused(slapd, tmp_path):
    other_ca, _cert, _key = write_certificates(tmp_path, name="someone else")
    source = make_source(slapd, uris=[slapd.ldaps_uri], security=Security.LDAPS, ca_file=str(other_ca))
    with pytest.raises(ldap.DirectoryError, match="No server answered"):
        source_test(source)
    run = directory_sync(source=source)
    assert run.state == RunState.FAILED and "certificate" in run.message.lower()


def test_the_next_server_answers_when_the_first_is_down(slapd):
    slapd.add(people(2))
    dead = f"ldap://127.0.0.1:{free_port()}"
    source = make_source(slapd, uris=[dead, slapd.uri], timeout_seconds=2)
    assert directory_sync(source=source).state == RunState.SUCCEEDED


def test_no_server_answering_fails_the_run_with_each_reason(slapd):
    source = make_source(slapd, uris=[f"ldap://127.0.0.1:{free_port()}"], timeout_seconds=2)
    run = directory_sync(source=source)
    assert run.state == RunState.FAILED
    assert run.message.startswith("No server answered: 127.0.0.1:")


def test_the_bind_password_is_stored_encrypted(slapd):
    source = make_source(slapd)
    assert slapd.reader_password not in source.bind_password_encrypted
    assert decrypt(source.bind_password_encrypted) == slapd.reader_password


def test_the_bind_password_can_come_from_the_environment(slapd, monkeypatch):
    slapd.add(people(2))
    source = make_source(slapd, bind_password_encrypted="", bind_password_env="CORP_LDAP_PASSWORD")
    run = directory_sync(source=source)
    assert run.state == RunState.FAILED and "CORP_LDAP_PASSWORD" in run.message
    monkeypatch.setenv("CORP_LDAP_PASSWORD", slapd.reader_password)
    assert directory_sync(source=source).state == RunState.SUCCEEDED


def test_a_password_stored_under_another_secret_key_asks_to_be_entered_again(slapd, settings):
    source = make_source(slapd)
    settings.SECRET_KEY = "another-" + "k" * 50
    run = directory_sync(source=source)
    assert run.state == RunState.FAILED and "enter it again" in run.message


def test_errors_and_reports_name_the_host_and_the_port(slapd):
    slapd.add(people(2))
    port = free_port()
    source = make_source(slapd, uris=[f"ldap://127.0.0.1:{port}"], timeout_seconds=2)

    run = directory_sync(source=source)

    assert run.message.startswith(f"No server answered: 127.0.0.1:{port}: "), run.message
    with pytest.raises(ldap.DirectoryError, match=f"127.0.0.1:{port}: "):
        source_test(source)
    source.uris = [slapd.uri]
    assert source_test(source)["server"] == slapd.uri.removeprefix("ldap://")


def test_a_uri_without_a_port_is_named_with_the_default_one():
    from apps.directory.models import DirectorySource

    source = DirectorySource(name="corp", uris=["ldap://dc1.corp.example.com", "ldaps://dc2.corp.example.com"],
                             security=Security.NONE)  # fmt: skip
    assert [ldap.server_address(server) for server in ldap._servers(source)] == [
        "dc1.corp.example.com:389",
        "dc2.corp.example.com:636",
    ]
