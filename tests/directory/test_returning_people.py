"""People who leave the directory and come back: every run clears the "missing since" mark of
everyone it read (a dry run excepted), so that nothing keyed on it (directory sign-in) keeps
treating a returner as gone."""

import pytest
from django.contrib.auth import get_user_model

from apps.directory.models import DirectoryAccount, RunState
from apps.directory.services.signin import directory_authenticate
from apps.directory.services.sync import directory_sync
from tests.directory.helpers import make_source
from tests.directory.slapd import people, person, person_dn

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()
PASSWORD = "Directory-pass-1"


def _leaves_and_returns_unchanged(slapd, source) -> str:
    """Hélène's entry moves out of the user base for one run, then back, exactly as it was
    (the same entryUUID, the same DN and values: nothing for the sync to rewrite)."""
    dn = person_dn("hlefevre")
    away = slapd.rename(dn, "uid=hlefevre", new_superior=slapd.groups_dn, update_references=False)
    run = directory_sync(source=source)
    assert run.state == RunState.SUCCEEDED, run.message
    assert DirectoryAccount.objects.get(dn=dn).missing_since is not None
    slapd.rename(away, "uid=hlefevre", new_superior=slapd.people_dn, update_references=False)
    return dn


@pytest.fixture
def directory(slapd):
    slapd.add([person("hlefevre", "Hélène", "Lefèvre", password=PASSWORD), *people(20)])
    return slapd


@pytest.mark.parametrize("owns_account_status", [True, False])
def test_a_returner_with_an_unchanged_entry_signs_in_with_the_directory_password(
    directory, client, owns_account_status
):
    source = make_source(directory, allow_signin=True, owns_account_status=owns_account_status)
    directory_sync(source=source)
    dn = _leaves_and_returns_unchanged(directory, source)

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED, run.message
    assert run.counts["reactivated"] == (1 if owns_account_status else 0)
    assert DirectoryAccount.objects.get(dn=dn).missing_since is None
    response = client.post("/accounts/login/", {"login": "hlefevre@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert directory_authenticate(login="hlefevre", password=PASSWORD).email == "hlefevre@example.com"


def test_the_mark_is_cleared_for_a_returner_whose_entry_has_an_error(directory):
    """An entry the run could not take (no address here) was still read: its person is not missing."""
    source = make_source(directory)
    directory_sync(source=source)
    dn = _leaves_and_returns_unchanged(directory, source)
    directory.modify(dn, {"mail": None})

    run = directory_sync(source=source)

    assert run.counts["errors"] == 1
    assert DirectoryAccount.objects.get(dn=dn).missing_since is None


def test_a_dry_run_leaves_the_mark_alone(directory):
    source = make_source(directory)
    directory_sync(source=source)
    dn = _leaves_and_returns_unchanged(directory, source)

    directory_sync(source=source, dry_run=True)
    assert DirectoryAccount.objects.get(dn=dn).missing_since is not None

    directory_sync(source=source)
    assert DirectoryAccount.objects.get(dn=dn).missing_since is None


def test_a_returner_signs_in_before_the_next_run_reads_them(directory):
    """Between their return and the next run, the mark is still there: sign-in finds their
    entry again, sees that it is the one their account is linked to, and lets them in."""
    source = make_source(directory, allow_signin=True, owns_account_status=False)
    directory_sync(source=source)
    dn = _leaves_and_returns_unchanged(directory, source)

    assert DirectoryAccount.objects.get(dn=dn).missing_since is not None
    assert directory_authenticate(login="hlefevre@example.com", password=PASSWORD).email == "hlefevre@example.com"
    assert directory_authenticate(login="hlefevre", password="wrong-password") is None
    assert DirectoryAccount.objects.filter(user__email="hlefevre@example.com").count() == 1
