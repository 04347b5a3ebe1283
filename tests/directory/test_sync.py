"""directory_sync against a real slapd: creation, updates, managers, paging and incremental runs."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.directory.models import DirectoryAccount, RunState
from apps.directory.services.sync import directory_sync
from apps.profiles.models import Profile
from apps.profiles.selectors import profile_search
from apps.profiles.services import profile_refresh_search
from tests.directory.helpers import make_source
from tests.directory.slapd import people, person

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def test_first_run_creates_people_with_profiles_and_managers(slapd):
    slapd.add(
        [
            person("hlefevre", "Hélène", "Lefèvre", title="Directrice", department="Finance", team="Contrôle",
                   office="Paris", phone="+33 1 23 45 67 89", mobile="+33 6 12 34 56 78"),
            person("jdupre", "Jérôme", "Dupré", title="Analyste", department="Finance", manager_uid="hlefevre"),
            person("zmuller", "Zoë", "Müller", manager_uid="jdupre"),
        ]
    )  # fmt: skip
    source = make_source(slapd)

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED, run.message
    assert run.counts["created"] == 3 and run.counts["errors"] == 0
    assert run.entries_read == 3
    helene = User.objects.get(email="hlefevre@example.com")
    assert (helene.first_name, helene.last_name, helene.is_active) == ("Hélène", "Lefèvre", True)
    assert not helene.has_usable_password()
    profile = Profile.objects.get(user=helene)
    assert (profile.job_title, profile.department, profile.team, profile.location) == (
        "Directrice", "Finance", "Contrôle", "Paris")  # fmt: skip
    assert profile.phone_mobile == "+33 6 12 34 56 78"
    assert profile.field_sources["job_title"] == "LDAP corp"
    assert "helene lefevre" in profile.search_text and profile.sort_name == "helene lefevre"
    jerome = Profile.objects.get(user__email="jdupre@example.com")
    zoe = Profile.objects.get(user__email="zmuller@example.com")
    assert jerome.manager_id == profile.pk and zoe.manager_id == jerome.pk
    # What the sync computes in bulk is what the profile service computes for one profile.
    synced = (profile.search_text, profile.sort_name)
    profile_refresh_search(profile=profile)
    assert (profile.search_text, profile.sort_name) == synced
    found = profile_search(viewer=helene, query="lefev")
    assert [p.user_id for p in found.items] == [helene.pk]
    link = DirectoryAccount.objects.get(user=helene)
    assert link.dn == "uid=hlefevre,ou=people,dc=example,dc=com"
    assert link.external_id == slapd.entry_uuid(link.dn)
    assert link.username == "hlefevre"


def test_paged_reads_go_past_the_servers_size_limit(slapd):
    slapd.add(people(slapd.SIZE_LIMIT * 2 + 100))
    run = directory_sync(source=make_source(slapd))
    assert run.state == RunState.SUCCEEDED, run.message
    assert run.counts["created"] == slapd.SIZE_LIMIT * 2 + 100
    assert User.objects.count() == slapd.SIZE_LIMIT * 2 + 100
    assert Profile.objects.filter(manager__isnull=False).count() == slapd.SIZE_LIMIT * 2 + 100 - 1


def test_an_unchanged_rerun_writes_nothing(slapd):
    slapd.add(people(50))
    source = make_source(slapd)
    directory_sync(source=source)

    with CaptureQueriesContext(connection) as queries:
        run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED
    assert run.counts["unchanged"] == 50 and run.counts["created"] == run.counts["updated"] == 0
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "COPY", "CREATE"))
    ]
    # Only the run's own row is written.
    assert all("directory_directoryrun" in sql for sql in writes), writes


def test_changes_are_written_field_by_field_and_shown_in_the_diff(slapd):
    slapd.add([person("jdupre", "Jérôme", "Dupré", title="Analyste"), person("amartin", "Anne", "Martin")])
    source = make_source(slapd)
    directory_sync(source=source)
    slapd.modify("uid=jdupre,ou=people,dc=example,dc=com", {"title": ["Analyste senior"], "manager": [
        "uid=amartin,ou=people,dc=example,dc=com"]})  # fmt: skip

    run = directory_sync(source=source)

    assert run.counts["updated"] == 1 and run.counts["unchanged"] == 1
    assert run.diff["updated"] == [
        {"email": "jdupre@example.com", "changes": {"job_title": ["Analyste", "Analyste senior"],
                                                    "manager": ["", "amartin@example.com"]}}
    ]  # fmt: skip
    profile = Profile.objects.get(user__email="jdupre@example.com")
    assert profile.job_title == "Analyste senior"
    assert profile.manager.user.email == "amartin@example.com"


def test_a_person_who_moves_keeps_their_account(slapd):
    slapd.add([person("jdupre", "Jérôme", "Dupré")])
    source = make_source(slapd)
    directory_sync(source=source)
    user = User.objects.get()
    slapd.rename("uid=jdupre,ou=people,dc=example,dc=com", "uid=jerome.dupre")

    run = directory_sync(source=source)

    assert run.state == RunState.SUCCEEDED
    assert run.counts["created"] == 0 and run.counts["deactivated"] == 0
    assert User.objects.get().pk == user.pk
    assert DirectoryAccount.objects.get().dn == "uid=jerome.dupre,ou=people,dc=example,dc=com"


def test_an_existing_account_with_the_same_address_is_linked_not_duplicated(slapd):
    local = User.objects.create_user(email="JDupre@example.com", password="x" * 12)
    slapd.add([person("jdupre", "Jérôme", "Dupré")])
    run = directory_sync(source=make_source(slapd))
    assert run.counts["adopted"] == 1 and run.counts["created"] == 0
    assert User.objects.count() == 1
    assert DirectoryAccount.objects.get().user_id == local.pk
    local.refresh_from_db()
    assert local.first_name == "Jérôme" and local.has_usable_password()
