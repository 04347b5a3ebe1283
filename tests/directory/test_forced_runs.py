"""A forced run asked for from the admin pages happens, or says why it did not: its row is
written with the audit entry, beat's sweep sends it again when the broker lost its task, and
a run started in between, or a wait over an hour, ends it as 'did not run', never silently."""

import logging
import socket
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import F
from django.utils import timezone

from apps.directory.models import DirectoryRun, RunState, Trigger
from apps.directory.selectors import sources_due
from apps.directory.services.sync import directory_sync
from apps.directory.tasks import forced_run_task, schedule
from apps.moderation.models import AuditLogEntry
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def _use_broker(url):
    # As tests/notifications/test_redis_outage.py does: the next task connects to this URL.
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    """The Celery broker is a port where nothing listens: every publish is refused. Calling
    it gives the real broker back."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    previous = celery_app.conf.broker_url
    _use_broker(f"redis://127.0.0.1:{port}/0")
    yield lambda: _use_broker(previous)
    _use_broker(previous)


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_superuser(email="it.admin@example.com", password="x" * 12)
    client.force_login(admin)
    return client


def _force(client, source, run):
    return client.post(f"/admin/directory/directorysource/{source.pk}/force-sync/", {"seen_run": run.pk})


def _run_page(client, run) -> str:
    return client.get(f"/admin/directory/directoryrun/{run.pk}/change/").content.decode()


def _two_minutes_pass():
    DirectoryRun.objects.update(created_at=F("created_at") - timedelta(minutes=2))


def _eager():
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture
def not_eager():
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


def test_a_forced_run_asked_for_while_the_broker_is_down_waits_and_the_sweep_runs_it(
    admin_client, stopped, broker_down, not_eager, caplog
):
    source, run = stopped
    caplog.set_level(logging.INFO, logger="apps.core.queue")

    response = _force(admin_client, source, run)

    assert "not queued" in caplog.text and "Connection refused" in caplog.text  # the broker refused it

    # The task could not be sent: the request is still on record, waiting, with its audit entry.
    forced = DirectoryRun.objects.get(forced=True)
    assert response.status_code == 302 and response["Location"] == f"/admin/directory/directoryrun/{forced.pk}/change/"
    assert forced.state == RunState.QUEUED and forced.trigger == Trigger.ADMIN
    entry = AuditLogEntry.objects.get(action="directory.sync.forced")
    assert entry.after["run"] == forced.pk and entry.before["run"] == run.pk
    page = _run_page(admin_client, forced)
    assert "waiting to start" in page and "Waiting for a worker to start it." in page
    assert 'http-equiv="refresh"' in page
    assert source not in sources_due(now=timezone.now() + timedelta(days=1))  # the forced run is its next one
    # Another administrator's forced run, meanwhile, is refused: this one is on its way.
    second = _force(admin_client, source, run)
    assert second.status_code == 409
    assert "A forced run of corp is already waiting to start" in second.content.decode()
    assert AuditLogEntry.objects.filter(action="directory.sync.forced").count() == 1

    # The broker is back: beat's sweep sends it again, a minute later; sent twice, it runs once.
    broker_down()
    _eager()
    schedule()
    assert DirectoryRun.objects.get(pk=forced.pk).state == RunState.QUEUED  # not a minute old yet
    _two_minutes_pass()
    schedule()
    schedule()

    forced.refresh_from_db()
    assert forced.state == RunState.SUCCEEDED and forced.counts["deactivated"] == 6
    assert forced_run_task.apply(args=[forced.pk]).get() is None  # a task delivered late does nothing
    assert DirectoryRun.objects.filter(forced=True).count() == 1
    assert User.objects.filter(is_active=False).count() == 6
    page = _run_page(admin_client, forced)
    assert "succeeded" in page and 'http-equiv="refresh"' not in page and "6 accounts deactivated" in page


def test_a_run_that_holds_the_source_when_the_forced_run_starts_is_said_so(admin_client, stopped, celery_eager):
    """Another worker's run holds the source (its advisory lock) when the forced run's task
    runs: the forced run ends 'did not run', saying why, instead of vanishing."""
    source, run = stopped
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [0x4449520000000000 + source.pk])
        response = _force(admin_client, source, run)
    finally:
        other.close()

    forced = DirectoryRun.objects.get(forced=True)
    assert response["Location"] == f"/admin/directory/directoryrun/{forced.pk}/change/"
    assert forced.state == RunState.CANCELLED and forced.finished_at is not None
    assert "started after this forced run was asked for, so it did not run" in forced.message
    assert User.objects.filter(is_active=False).count() == 0
    page = _run_page(admin_client, forced)
    assert "did not run" in page and "It did not run: nothing was changed." in page
    assert 'http-equiv="refresh"' not in page
    # The confirmation page still shows the run that read the directory, and forcing again works.
    confirmation = admin_client.get(f"/admin/directory/directorysource/{source.pk}/force-sync/").content.decode()
    assert f'name="seen_run" value="{run.pk}"' in confirmation
    assert sources_due(now=timezone.now() + timedelta(days=1)) == [source]
    _force(admin_client, source, run)
    assert DirectoryRun.objects.filter(forced=True, state=RunState.SUCCEEDED).count() == 1
    assert User.objects.filter(is_active=False).count() == 6


def test_a_forced_run_does_not_go_past_the_checks_on_a_picture_nobody_confirmed(admin_client, stopped, broker_down):
    """A run started after the forced run was asked for (the command line, a late scheduled
    run) read the directory anew: the forced run, sent later, does not run on that picture."""
    source, run = stopped
    _force(admin_client, source, run)
    forced = DirectoryRun.objects.get(forced=True)
    newer = directory_sync(source=source, trigger=Trigger.COMMAND)
    assert newer.state == RunState.ABORTED

    forced_run_task.apply(args=[forced.pk])

    forced.refresh_from_db()
    assert forced.state == RunState.CANCELLED and "Read what that run found" in forced.message
    assert User.objects.filter(is_active=False).count() == 0


def test_a_forced_run_that_could_not_start_within_an_hour_does_not_run(admin_client, stopped, broker_down):
    source, run = stopped
    _force(admin_client, source, run)
    DirectoryRun.objects.update(created_at=F("created_at") - timedelta(minutes=61))
    forced = DirectoryRun.objects.get(forced=True)

    forced_run_task.apply(args=[forced.pk])

    forced.refresh_from_db()
    assert forced.state == RunState.CANCELLED
    assert "could not start within an hour of being asked for" in forced.message
    assert User.objects.filter(is_active=False).count() == 0
