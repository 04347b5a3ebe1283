"""manage.py directory_source and directory_sync."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.directory.models import DirectoryRun, DirectorySource, RunState
from apps.directory.secrets import decrypt
from tests.directory.helpers import make_source
from tests.directory.slapd import group, people, person, person_dn

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def _call(*args, stdin=None):
    out = io.StringIO()
    if stdin is not None:
        import sys

        old, sys.stdin = sys.stdin, io.StringIO(stdin)
        try:
            call_command(*args, stdout=out, stderr=out)
        finally:
            sys.stdin = old
    else:
        call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_add_list_show_test_remove(slapd):
    slapd.add([*people(3), group("finance", [person_dn("x")])])
    out = _call(
        "directory_source", "add", "corp", "--uri", "ldap://127.0.0.1:1", "--uri", slapd.uri,
        "--security", "starttls", "--ca-file", slapd.ca_file, "--bind-dn", slapd.reader_dn,
        "--bind-password-stdin", "--user-base", slapd.people_dn, "--group-base", slapd.groups_dn,
        "--own", "job_title", "--own", "manager",
        "--map", "team=ou", "--interval", "30", stdin=slapd.reader_password + "\n",
    )  # fmt: skip
    assert "Added corp" in out
    source = DirectorySource.objects.get(name="corp")
    assert source.uris == ["ldap://127.0.0.1:1", slapd.uri]
    assert decrypt(source.bind_password_encrypted) == slapd.reader_password
    assert source.owned_fields == ["job_title", "manager"] and source.attribute_map == {"team": "ou"}

    assert "corp\topenldap\tenabled" in _call("directory_source", "list")
    shown = _call("directory_source", "show", "corp")
    assert slapd.reader_password not in shown and source.bind_password_encrypted not in shown
    assert '"bind_password": "(stored, encrypted)"' in shown

    tested = _call("directory_source", "test", "corp")
    assert "Connected to 127.0.0.1" in tested and "@example.com" in tested
    assert "  cn=finance,ou=groups,dc=example,dc=com" in tested

    assert "Removed corp" in _call("directory_source", "remove", "corp")
    assert not DirectorySource.objects.exists()


def test_add_says_what_is_wrong():
    with pytest.raises(CommandError, match="a URI starts with ldap:// or ldaps://"):
        _call("directory_source", "add", "bad", "--uri", "http://x", "--user-base", "dc=x", "--security", "none")
    with pytest.raises(CommandError, match="Unknown fields: salary"):
        _call("directory_source", "add", "bad", "--uri", "ldap://x", "--user-base", "dc=x", "--own", "salary")
    with pytest.raises(CommandError, match="expected KEY=VALUE"):
        _call("directory_source", "add", "bad", "--uri", "ldap://x", "--user-base", "dc=x", "--map", "mail")
    with pytest.raises(CommandError, match="No community at these addresses: nowhere"):
        _call("directory_source", "add", "bad", "--uri", "ldap://x", "--user-base", "dc=x",
              "--group", "cn=g,dc=x=nowhere")  # fmt: skip
    assert not DirectorySource.objects.exists()


def test_every_option_is_documented():
    from apps.directory.management.commands.directory_source import Command

    parser = Command().create_parser("manage.py", "directory_source")
    add = parser._subparsers._group_actions[0].choices["add"]
    undocumented = [a.dest for a in add._actions if not a.help and a.dest not in ("help", "name")]
    assert undocumented == []


def test_sync_dry_run_prints_the_diff_and_changes_nothing(slapd):
    slapd.add([person("hlefevre", "Hélène", "Lefèvre")])
    make_source(slapd)
    out = _call("directory_sync", "--source", "corp", "--dry-run")
    assert "corp: succeeded (dry run)" in out
    assert "+ hlefevre@example.com" in out
    assert not User.objects.exists()

    out = _call("directory_sync")
    assert "created: 1" in out
    assert User.objects.filter(email="hlefevre@example.com").exists()


def test_sync_exits_non_zero_when_a_run_aborts(slapd):
    make_source(slapd)
    with pytest.raises(CommandError, match="did not succeed"):
        _call("directory_sync", "--source", "corp")
    assert DirectoryRun.objects.get().state == RunState.ABORTED
    with pytest.raises(CommandError, match="No directory source named 'nope'"):
        _call("directory_sync", "--source", "nope")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--page-size", "0", "--page-size: Ensure this value is greater than or equal to 1."),
        ("--page-size", "-5", "--page-size: Ensure this value is greater than or equal to 1."),
        ("--page-size", "20000", "--page-size: Ensure this value is less than or equal to 10000."),
        ("--timeout", "0", "--timeout: Ensure this value is greater than or equal to 1."),
        ("--timeout", "3600", "--timeout: Ensure this value is less than or equal to 600."),
        ("--interval", "-1", "--interval: Ensure this value is greater than or equal to 0."),
        ("--interval", "20000", "--interval: Ensure this value is less than or equal to 10080."),
        ("--deactivation-limit", "-1", "--deactivation-limit: Ensure this value is greater than or equal to 0."),
    ],
)
def test_add_refuses_numbers_out_of_range(option, value, message):
    with pytest.raises(CommandError) as raised:
        _call("directory_source", "add", "bad", "--uri", "ldap://x", "--user-base", "dc=x", option, value)
    assert message in str(raised.value)
    assert not DirectorySource.objects.exists()


def test_the_service_refuses_numbers_out_of_range_too():
    from django.core.exceptions import ValidationError

    from apps.directory.services.sources import source_save

    source = DirectorySource(name="bad", uris=["ldap://x"], user_base="dc=x", page_size=0, timeout_seconds=0)
    with pytest.raises(ValidationError) as raised:
        source_save(actor=None, source=source)
    assert set(raised.value.message_dict) == {"page_size", "timeout_seconds"}
    assert not DirectorySource.objects.exists()


@pytest.mark.parametrize("base", ["user_base", "group_base"])
def test_testing_a_base_that_does_not_exist_fails_saying_so(slapd, base):
    slapd.add(people(2))
    missing = f"ou=nowhere,{slapd.base_dn}"
    make_source(slapd, **{"group_base": slapd.groups_dn, base: missing})
    with pytest.raises(CommandError, match=f"The base {missing} does not exist"):
        _call("directory_source", "test", "corp")
