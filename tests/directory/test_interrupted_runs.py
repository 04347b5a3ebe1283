"""Runs left by a worker that died: their lease expires, beat's sweep records them as
interrupted and starts a run like them; the dead run's own message, delivered again late,
starts nothing; a run whose worker still lives is left alone. (Killing real workers:
tests/faults/test_worker_kill.py.)"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.utils import timezone

from apps.directory.models import DirectoryAccount, DirectoryRun, RunState, Trigger
from apps.directory.tasks import forced_run_task, schedule, sync_source_task
from tests.directory.helpers import make_source
from tests.directory.slapd import people

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


@pytest.fixture
def source(slapd):
    slapd.add(people(5))
    return make_source(slapd, sync_interval_minutes=0)  # on demand: the schedule starts nothing


def _left_by_a_dead_worker(source, **fields) -> DirectoryRun:
    return DirectoryRun.objects.create(
        source=source, trigger=Trigger.SCHEDULE, task_id="task-of-the-dead-worker",
        lease_owner="gone-host:4242:x", lease_until=timezone.now() - timedelta(seconds=1), **fields,
    )  # fmt: skip


def test_the_sweep_records_a_run_left_by_a_dead_worker_and_runs_it_again(client, source, celery_eager):
    admin = User.objects.create_superuser(email="it.admin@example.com", password="x" * 12)
    client.force_login(admin)
    killed = _left_by_a_dead_worker(source, dry_run=True)
    page = client.get(f"/admin/directory/directoryrun/{killed.pk}/change/").content.decode()
    assert "The worker running it stopped" in page and 'http-equiv="refresh"' in page
    assert killed.interrupted and killed.state_label == "interrupted, starting again…"
    for listing in ("/admin/directory/directoryrun/", f"/admin/directory/directorysource/{source.pk}/change/"):
        assert "interrupted, starting again…" in client.get(listing).content.decode()

    schedule()
    killed.refresh_from_db()
    assert killed.state == RunState.FAILED and killed.finished_at and not killed.lease_owner
    assert killed.message.startswith("Interrupted: the worker running it stopped (last heard from at ")
    assert killed.message.endswith("A new run started over.")
    rerun = DirectoryRun.objects.exclude(pk=killed.pk).get()
    assert rerun.state == RunState.SUCCEEDED and rerun.dry_run and rerun.trigger == Trigger.SCHEDULE
    assert not rerun.lease_owner and rerun.lease_until is None

    # The dead worker's message, back after the visibility timeout: nothing more runs.
    assert sync_source_task.apply(args=[source.pk], task_id="task-of-the-dead-worker").get() is None
    schedule()  # and the sweep does not restart it twice
    assert DirectoryRun.objects.count() == 2


def test_a_restarted_run_writes_each_person_once(source, celery_eager):
    killed = _left_by_a_dead_worker(source)
    schedule()
    schedule()
    assert DirectoryAccount.objects.filter(source=source).count() == 5
    killed.refresh_from_db()
    assert killed.state == RunState.FAILED
    assert DirectoryRun.objects.filter(state=RunState.SUCCEEDED).count() == 1


def test_a_run_whose_worker_lives_is_left_alone_even_when_its_lease_is_late(source, celery_eager):
    """A worker stopped for a while (SIGSTOP, a long pause) still holds its source: its
    lease looks expired, but nothing is restarted under it."""
    late = _left_by_a_dead_worker(source)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [0x4449520000000000 + source.pk])
        schedule()
    finally:
        other.close()
    late.refresh_from_db()
    assert late.state == RunState.RUNNING and DirectoryRun.objects.count() == 1


def test_a_forced_run_delivered_again_after_its_worker_died_runs_again_forced(source, celery_eager):
    admin = User.objects.create_superuser(email="it.admin@example.com", password="x" * 12)
    killed = _left_by_a_dead_worker(source, forced=True, requested_by=admin)
    DirectoryRun.objects.filter(pk=killed.pk).update(trigger=Trigger.ADMIN, lease_until=timezone.now())
    assert forced_run_task.apply(args=[killed.pk]).get() is None
    killed.refresh_from_db()
    assert killed.state == RunState.FAILED and "A new run started over." in killed.message
    rerun = DirectoryRun.objects.exclude(pk=killed.pk).get()
    assert rerun.state == RunState.SUCCEEDED and rerun.forced and rerun.requested_by == admin
    assert rerun.trigger == Trigger.ADMIN


def test_a_run_that_killed_its_worker_three_times_is_not_started_again(source, celery_eager):
    for _attempt in range(3):  # the first run, and two restarts: each killed its worker
        DirectoryRun.objects.filter(state=RunState.RUNNING).update(state=RunState.FAILED)
        _left_by_a_dead_worker(source)
    assert sync_source_task.apply(args=[source.pk], task_id="task-of-the-dead-worker").get() is None
    schedule()
    last = DirectoryRun.objects.order_by("-id").first()
    assert last.state == RunState.FAILED and "interrupted too often to start again" in last.message
    assert DirectoryRun.objects.count() == 3 and not DirectoryAccount.objects.exists()
