"""The administrator's screens and the scheduled runs."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from apps.directory.models import DirectoryAccount, DirectoryRun, DirectorySource, RunState, StatusOwner, Trigger
from apps.directory.secrets import decrypt
from apps.directory.selectors import sources_due
from apps.directory.services.sync import RunInProgress, directory_sync, run_start
from apps.directory.tasks import schedule, sync_source_task
from apps.moderation.models import AuditLogEntry
from config.celery import app as celery_app
from tests.directory.helpers import make_source
from tests.directory.slapd import people, person

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


@pytest.fixture
def it_admin(db):
    admin = User.objects.create_superuser(email="it.admin@example.com", password="x" * 12)
    return admin


@pytest.fixture
def admin_client(client, it_admin):
    client.force_login(it_admin)
    return client


def test_an_admin_adds_a_source_with_a_password_that_is_never_shown(admin_client, slapd):
    response = admin_client.post(
        "/admin/directory/directorysource/add/",
        {
            "name": "corp", "enabled": "on", "kind": "ldap", "preset": "openldap", "uris": slapd.uri,
            "security": "none",
            "bind_dn": slapd.reader_dn, "bind_password": slapd.reader_password, "user_base": slapd.people_dn,
            "attribute_map": "{}", "owned_fields": ["job_title", "department"], "group_communities": "{}",
            "owns_account_status": "on", "sync_interval_minutes": "60", "page_size": "500", "timeout_seconds": "10",
            "runs-TOTAL_FORMS": "0", "runs-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    source = DirectorySource.objects.get(name="corp")
    assert decrypt(source.bind_password_encrypted) == slapd.reader_password
    assert source.owned_fields == ["job_title", "department"]
    page = admin_client.get(f"/admin/directory/directorysource/{source.pk}/change/").content.decode()
    assert slapd.reader_password not in page and source.bind_password_encrypted not in page
    entry = AuditLogEntry.objects.get(action="directory.source.save")
    assert entry.actor.email == "it.admin@example.com" and "bind_password_encrypted" not in entry.after


def test_the_admin_form_says_what_is_wrong(admin_client, slapd):
    response = admin_client.post(
        "/admin/directory/directorysource/add/",
        {
            "name": "corp", "kind": "ldap", "preset": "openldap", "uris": "http://wrong", "security": "none",
            "user_base": slapd.people_dn, "attribute_map": '{"salary": "x"}', "group_communities": "{}",
            "sync_interval_minutes": "60", "page_size": "500", "timeout_seconds": "10",
            "runs-TOTAL_FORMS": "0", "runs-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    assert "a URI starts with ldap:// or ldaps://" in page
    assert "Unknown mapped fields: salary" in page
    assert not DirectorySource.objects.exists()


def test_the_admin_form_refuses_numbers_out_of_range(admin_client, slapd):
    response = admin_client.post(
        "/admin/directory/directorysource/add/",
        {
            "name": "corp", "kind": "ldap", "preset": "openldap", "uris": slapd.uri, "security": "none",
            "user_base": slapd.people_dn, "attribute_map": "{}", "group_communities": "{}",
            "sync_interval_minutes": "20000", "page_size": "0", "timeout_seconds": "0",
            "runs-TOTAL_FORMS": "0", "runs-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["page_size"] == ["Ensure this value is greater than or equal to 1."]
    assert errors["timeout_seconds"] == ["Ensure this value is greater than or equal to 1."]
    assert errors["sync_interval_minutes"] == ["Ensure this value is less than or equal to 10080."]
    assert not DirectorySource.objects.exists()


def test_dry_run_from_the_admin_and_its_diff(admin_client, slapd, celery_eager):
    slapd.add([person("hlefevre", "Hélène", "Lefèvre")])
    source = make_source(slapd)
    response = admin_client.post(
        "/admin/directory/directorysource/",
        {"action": "dry_run", "_selected_action": [source.pk]},
    )
    assert response.status_code == 302
    run = DirectoryRun.objects.get()
    assert run.dry_run and run.state == RunState.SUCCEEDED and run.trigger == Trigger.ADMIN
    assert run.requested_by.email == "it.admin@example.com"
    page = admin_client.get(f"/admin/directory/directoryrun/{run.pk}/change/").content.decode()
    assert "hlefevre@example.com" in page and "1 account would have been created" in page
    assert 'http-equiv="refresh"' not in page
    assert not User.objects.filter(email="hlefevre@example.com").exists()


def test_a_running_run_page_refreshes_itself(admin_client, slapd):
    source = make_source(slapd)
    run = DirectoryRun.objects.create(source=source, trigger=Trigger.ADMIN)
    page = admin_client.get(f"/admin/directory/directoryrun/{run.pk}/change/").content.decode()
    assert 'http-equiv="refresh"' in page


def test_the_test_action_reports_the_connection(admin_client, slapd):
    slapd.add(people(2))
    source = make_source(slapd)
    response = admin_client.post(
        "/admin/directory/directorysource/", {"action": "test_connection", "_selected_action": [source.pk]}, follow=True
    )
    address = slapd.uri.removeprefix("ldap://")  # host:port, as every message names a server
    assert f"Corp: {address} — helene.lefevre@example.com" in response.content.decode()


def test_deactivating_in_the_user_admin_takes_the_status_from_the_directory(admin_client, slapd):
    slapd.add(people(3))
    source = make_source(slapd)
    directory_sync(source=source)
    link = DirectoryAccount.objects.first()
    user = link.user
    data = {"email": user.email, "first_name": user.first_name, "last_name": user.last_name,
            "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"}  # fmt: skip
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    link.refresh_from_db()
    assert link.status_owner == StatusOwner.LOCAL
    assert directory_sync(source=source).counts["reactivated"] == 0

    admin_client.post("/admin/directory/directoryaccount/", {"action": "hand_back", "_selected_action": [link.pk]})
    link.refresh_from_db()
    assert link.status_owner == StatusOwner.DIRECTORY
    assert AuditLogEntry.objects.filter(action="directory.account.status_handed_back", target_id=str(user.pk)).exists()
    assert directory_sync(source=source).counts["reactivated"] == 1


def test_schedule_queues_the_sources_that_are_due(slapd, celery_eager):
    slapd.add(people(2))
    due = make_source(slapd, name="due", sync_interval_minutes=60)
    manual = make_source(slapd, name="manual", sync_interval_minutes=0)
    make_source(slapd, name="off", enabled=False)
    assert sources_due(now=timezone.now()) == [due]

    schedule()

    run = DirectoryRun.objects.get()
    assert run.source == due and run.trigger == Trigger.SCHEDULE and run.state == RunState.SUCCEEDED
    assert sources_due(now=timezone.now()) == []
    assert sources_due(now=timezone.now() + timedelta(minutes=61)) == [due]
    assert manual not in sources_due(now=timezone.now() + timedelta(days=1))


def test_a_failed_scheduled_run_emails_the_admins(slapd, it_admin, celery_eager):
    source = make_source(slapd)  # an empty directory: the run aborts
    sync_source_task(source.pk, trigger=Trigger.SCHEDULE)
    assert DirectoryRun.objects.get().state == RunState.ABORTED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["it.admin@example.com"]
    assert "corp" in mail.outbox[0].subject and "Nothing was changed" in mail.outbox[0].body

    mail.outbox.clear()
    sync_source_task(source.pk, trigger=Trigger.ADMIN)
    assert mail.outbox == []


def test_one_run_at_a_time_per_source(slapd):
    source = make_source(slapd)
    from django.db import connections

    # Another connection (another worker) holds the source's lock.
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [0x4449520000000000 + source.pk])
        with pytest.raises(RunInProgress):
            run_start(source=source, dry_run=False, force=False, trigger=Trigger.COMMAND)
    finally:
        other.close()
    # A run left 'running' by a process that died is closed by the next one.
    stale = DirectoryRun.objects.create(source=source, trigger=Trigger.SCHEDULE)
    run = run_start(source=source, dry_run=True, force=False, trigger=Trigger.COMMAND)
    stale.refresh_from_db()
    assert stale.state == RunState.FAILED and "Interrupted" in stale.message
    assert run.state == RunState.RUNNING


def test_a_source_page_shows_its_latest_twenty_runs(admin_client, slapd):
    source = make_source(slapd)
    other = make_source(slapd, name="other")
    DirectoryRun.objects.bulk_create(
        [DirectoryRun(source=source, trigger=Trigger.SCHEDULE, state=RunState.SUCCEEDED) for _ in range(25)]
        + [DirectoryRun(source=other, trigger=Trigger.SCHEDULE, state=RunState.SUCCEEDED) for _ in range(5)]
    )
    page = admin_client.get(f"/admin/directory/directorysource/{source.pk}/change/").content.decode()
    assert page.count("/admin/directory/directoryrun/") - page.count("/admin/directory/directoryrun/?") == 20 + 1


@pytest.mark.parametrize("count", [1, 6])
def test_the_source_list_runs_a_constant_number_of_queries(admin_client, slapd, count, django_assert_num_queries):
    for index in range(count):
        source = make_source(slapd, name=f"source-{index}")
        DirectoryRun.objects.create(source=source, trigger=Trigger.SCHEDULE, state=RunState.ABORTED)
    admin_client.get("/admin/directory/directorysource/")  # warm caches (permissions, content types)
    with django_assert_num_queries(QUERIES_FOR_THE_SOURCE_LIST):
        response = admin_client.get("/admin/directory/directorysource/")
    assert response.content.decode().count("aborted") == count


QUERIES_FOR_THE_SOURCE_LIST = 5  # the same for 1 source and for 6


def test_sync_now_says_when_the_task_queue_did_not_take_it(admin_client, slapd):
    """No row stands for an admin's "Sync now" until it starts, so no sweep sends it later:
    with the broker unreachable the page says it was not queued instead of "queued"."""
    from tests.faults.stack import dedicated_redis
    from tests.notifications.test_redis_outage import _use_broker

    source = make_source(slapd)
    previous = celery_app.conf.broker_url
    with dedicated_redis() as broker:
        broker.kill()
        _use_broker(broker.url)
        try:
            response = admin_client.post(
                "/admin/directory/directorysource/",
                {"action": "sync_now", "_selected_action": [source.pk]},
                follow=True,
            )
        finally:
            _use_broker(previous)
    page = response.content.decode()
    assert "not queued, the task queue (Redis) is not answering. Try again in a minute." in page
    assert "queued, follow it" not in page
    assert not DirectoryRun.objects.exists()
