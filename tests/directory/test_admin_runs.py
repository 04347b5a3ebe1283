"""The admin's pages of runs that changed nothing (dry, stopped) say what they would have done,
and a run stopped by a safety check can be forced from them: confirmed, permitted, audited."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.html import escape

from apps.directory.models import DirectoryRun, RunState, Trigger
from apps.directory.services.sync import directory_sync
from apps.moderation.models import AuditLogEntry
from tests.directory.helpers import make_source
from tests.directory.slapd import person

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


@pytest.fixture
def it_admin(db):
    return User.objects.create_superuser(email="it.admin@example.com", password="x" * 12)


def _staff(*permissions):
    user = User.objects.create_user(email="helpdesk@example.com", password="x" * 12, is_staff=True)
    codenames = ["view_directorysource", "view_directoryrun", *permissions]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="directory", codename__in=codenames))
    return user


def _page(client, run) -> str:
    return client.get(f"/admin/directory/directoryrun/{run.pk}/change/").content.decode()


def test_a_stopped_run_says_what_it_would_have_done(client, it_admin, stopped):
    _source, run = stopped
    client.force_login(it_admin)

    page = _page(client, run)

    assert "This run changed nothing. This is what it would have done." in page
    assert "6 accounts would have been deactivated" in page
    assert "6 accounts deactivated" not in page
    assert "Force a run" in run.message
    listing = client.get("/admin/directory/directoryrun/").content.decode()
    assert "would have: unchanged 94, deactivated 6" in listing


def test_a_dry_run_says_what_it_would_have_done_and_a_real_one_what_it_did(client, it_admin, slapd):
    slapd.add([person("hlefevre", "Hélène", "Lefèvre")])
    source = make_source(slapd)
    client.force_login(it_admin)
    dry = directory_sync(source=source, dry_run=True)
    real = directory_sync(source=source)

    dry_page, real_page = _page(client, dry), _page(client, real)

    assert "1 account would have been created" in dry_page and "1 account created" not in dry_page
    assert "Dry run: nothing was changed." in dry_page
    assert "1 account created" in real_page and "would have" not in real_page


def test_the_command_says_a_stopped_run_changed_nothing(stopped):
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("directory_sync", "--source", "corp", stdout=out, stderr=out)
    assert "Nothing was changed. This run would have:\n  created: 0" in out.getvalue()


def test_a_stopped_run_is_forced_after_a_confirmation_and_audited(client, it_admin, stopped, celery_eager):
    source, run = stopped
    client.force_login(it_admin)
    assert f"/admin/directory/directorysource/{source.pk}/force-sync/" in _page(client, run)
    url = f"/admin/directory/directorysource/{source.pk}/force-sync/"

    confirmation = client.get(url)

    page = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert escape(run.message) in page and "deactivated 6" in page and "It changed nothing. It would have:" in page
    assert 'method="post"' in page and f'name="seen_run" value="{run.pk}"' in page
    assert DirectoryRun.objects.count() == 2 and not AuditLogEntry.objects.filter(action="directory.sync.forced")

    response = client.post(url, {"seen_run": run.pk})

    forced = DirectoryRun.objects.latest("created_at")
    assert response.status_code == 302 and response["Location"] == f"/admin/directory/directoryrun/{forced.pk}/change/"
    assert forced.forced and forced.state == RunState.SUCCEEDED and forced.trigger == Trigger.ADMIN
    assert forced.requested_by == it_admin and forced.counts["deactivated"] == 6
    assert User.objects.filter(is_active=False).count() == 6
    entry = AuditLogEntry.objects.get(action="directory.sync.forced")
    assert entry.actor == it_admin and entry.target_id == str(source.pk)
    assert entry.before["run"] == run.pk and entry.before["counts"]["deactivated"] == 6


def test_a_confirmation_of_an_older_run_forces_nothing(client, it_admin, stopped, celery_eager):
    source, run = stopped
    client.force_login(it_admin)
    newer = directory_sync(source=source, dry_run=True)

    response = client.post(f"/admin/directory/directorysource/{source.pk}/force-sync/", {"seen_run": run.pk})

    assert response.status_code == 409
    assert "Another run has finished since this page was shown" in response.content.decode()
    assert f'name="seen_run" value="{newer.pk}"' in response.content.decode()
    assert not DirectoryRun.objects.filter(forced=True).exists()
    assert not AuditLogEntry.objects.filter(action="directory.sync.forced").exists()


def test_only_staff_with_the_permission_may_force(client, stopped, celery_eager):
    source, run = stopped
    url = f"/admin/directory/directorysource/{source.pk}/force-sync/"
    helpdesk = _staff()
    client.force_login(helpdesk)

    assert client.get(url).status_code == 403
    assert client.post(url, {"seen_run": run.pk}).status_code == 403
    assert "force-sync" not in _page(client, run)

    helpdesk.user_permissions.add(Permission.objects.get(codename="force_sync_directorysource"))
    helpdesk = User.objects.get(pk=helpdesk.pk)  # permissions are cached per instance
    client.force_login(helpdesk)
    assert client.get(url).status_code == 200
    assert client.put(url).status_code == 405

    employee = User.objects.create_user(email="employee@example.com", password="x" * 12)
    client.force_login(employee)
    response = client.post(url, {"seen_run": run.pk})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not DirectoryRun.objects.filter(forced=True).exists()
