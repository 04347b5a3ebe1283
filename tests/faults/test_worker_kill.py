"""Work in flight survives a killed worker: a contact import whose worker process is SIGKILLed
mid-way (the pool child alone, or the whole worker) completes afterwards, with exactly the
file's contacts, none lost, none doubled, and its page says what is going on meanwhile.

The workers run with 4-second leases (TASK_LEASE_SECONDS): the production lease is 60 s."""

import contextlib
import re
import time

import psutil
import pytest

from apps.directory.models import NOT_FINISHED, Contact, ContactImport, DirectoryRun, ImportState, RunState
from config.celery import app as celery_app
from tests.directory.conftest import slapd, slapd_server  # noqa: F401 - the real OpenLDAP
from tests.factories import ProfileFactory
from tests.faults.stack import app_process, dedicated_redis, signed_in_as

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 20_000
LEASE_SECONDS = 4
WORKER_ENV = {"TASK_LEASE_SECONDS": str(LEASE_SECONDS)}


def _csv(count: int) -> bytes:
    rows = "".join(f"Person,Number {n},person.{n}@partner.example,Contoso\n" for n in range(count))
    return ("First Name,Last Name,E-mail Address,Company\n" + rows).encode()


def _upload(web, user) -> tuple:
    session = signed_in_as(web.base, user)
    form = session.get(f"{web.base}/contacts/import/", timeout=10)
    assert form.status_code == 200
    token = session.cookies.get("csrftoken", domain="127.0.0.1") or session.cookies.get("csrftoken")
    response = session.post(
        f"{web.base}/contacts/import/",
        data={"source": "csv", "csrfmiddlewaretoken": token},
        files={"file": ("export.csv", _csv(ROWS), "text/csv")},
        headers={"Referer": f"{web.base}/contacts/import/"},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return session, ContactImport.objects.get(owner=user)


def _wait(condition, timeout: float, what: str, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s: {what}")


def _wait_mid_import(job: ContactImport) -> None:
    """Running, with some batches written (the progress commits with each batch). Before
    leases the progress was written in the import's one transaction, invisible until its
    end: after 3 s running, the import is killed all the same."""
    _wait(lambda: ContactImport.objects.get(pk=job.pk).state == ImportState.RUNNING, 60, "the import starting")
    with contextlib.suppress(AssertionError):
        _wait(lambda: 0 < ContactImport.objects.get(pk=job.pk).done < ROWS, 3, "the import writing its batches")
    job.refresh_from_db()


def _pool_children(worker) -> list[psutil.Process]:
    return psutil.Process(worker.process.pid).children(recursive=True)


def _finished(job: ContactImport) -> bool:
    job.refresh_from_db()
    return job.state not in (ImportState.QUEUED, ImportState.RUNNING)


def _assert_imported_exactly_once(job: ContactImport, user) -> None:
    assert job.state == ImportState.SUCCEEDED, job.message
    assert (job.total, job.done, job.created, job.updated, job.unchanged) == (ROWS, ROWS, ROWS, 0, 0)
    assert Contact.objects.filter(owner=user).count() == ROWS
    assert Contact.objects.filter(owner=user).values("key").distinct().count() == ROWS
    assert job.payload == "" and not job.lease_owner and job.attempts == 2


def test_a_killed_pool_child_lets_the_redelivered_import_resume_at_once():
    """The pool child dies (SIGKILL): the master rejects the message back to the queue
    (acks_late, reject_on_worker_lost), a new child gets it at once and, seeing the holder's
    process gone, takes the lease over without waiting for it to expire and resumes."""
    user = ProfileFactory().user
    with (
        dedicated_redis() as redis_server,
        app_process("web", redis_server.url) as web,
        # A lease of 60 s, as in production: the import ends before it could have expired.
        app_process("worker", redis_server.url, {"TASK_LEASE_SECONDS": "60"}) as worker,
    ):
        worker.wait_for_log(r"ready\.")
        _session, job = _upload(web, user)
        _wait_mid_import(job)
        (child,) = _pool_children(worker)
        child.kill()
        killed_at, done_when_killed = time.monotonic(), job.done
        _wait(lambda: _finished(job), 45, "the import finishing after its worker was killed", step=0.1)
        took = time.monotonic() - killed_at
        assert worker.process.poll() is None  # the master lives on, with a new child
    _assert_imported_exactly_once(job, user)
    assert took < 45, took  # resumed without waiting for the lease to expire
    print(f"pool child killed at {done_when_killed}/{ROWS}: finished {took:.1f} s later")


def test_a_killed_worker_leaves_an_import_that_the_sweep_resumes_once_its_lease_expired():
    """The whole worker dies: its message waits in Redis's unacked set until the visibility
    timeout. The page says 'running' while the lease lives, then 'interrupted, resuming…';
    beat's sweep (sent here as beat would) queues the import again and a new worker resumes
    it after its last batch."""
    user = ProfileFactory().user
    with dedicated_redis() as redis_server, app_process("web", redis_server.url) as web:
        with app_process("worker", redis_server.url, WORKER_ENV) as worker:
            worker.wait_for_log(r"ready\.")
            session, job = _upload(web, user)
            _wait_mid_import(job)
            worker.kill()
            # Read after the kill: a batch may have been committed since _wait_mid_import read it.
            job.refresh_from_db()
            killed_at, done_when_killed = time.monotonic(), job.done
        page = session.get(f"{web.base}/contacts/imports/{job.pk}/", timeout=10).text
        assert "<strong>running</strong>" in page  # its lease still lives
        status_page = f"{web.base}/contacts/imports/{job.pk}/"
        _wait(lambda: "interrupted, resuming…" in session.get(status_page, timeout=10).text,
              LEASE_SECONDS + 5, "the page saying the import was interrupted", step=0.2)  # fmt: skip
        job.refresh_from_db()
        assert job.state == ImportState.RUNNING and job.done == done_when_killed  # nothing moved meanwhile
        with app_process("worker", redis_server.url, WORKER_ENV) as worker:
            worker.wait_for_log(r"ready\.")
            with celery_app.connection_for_write(redis_server.url) as connection:
                celery_app.send_task("directory.schedule", connection=connection)
            _wait(lambda: _finished(job), 45, "the swept import finishing", step=0.1)
            took = time.monotonic() - killed_at
        page = session.get(f"{web.base}/contacts/imports/{job.pk}/", timeout=10).text
    _assert_imported_exactly_once(job, user)
    # Finished: the status no longer polls (the shell around it has triggers of its own).
    status = re.search(r'<div id="import-status"[^>]*>', page)[0]
    assert f"{ROWS} contacts added" in page and "hx-trigger" not in status
    print(f"worker killed at {done_when_killed}/{ROWS}: finished {took:.1f} s later (lease {LEASE_SECONDS} s)")


# ---------------------------------------------------------------- directory runs

PEOPLE = 20_000


@pytest.fixture
def loaded_source(slapd):  # noqa: F811 - the fixture imported above
    from tests.directory.helpers import make_source
    from tests.directory.slapd import people

    slapd.bulk_load(people(PEOPLE, managers=False))
    # On demand only: nothing but the killed run's restart starts a run here.
    return make_source(slapd, sync_interval_minutes=0, page_size=500)


def _send(redis_url: str, name: str, *args, **kwargs) -> None:
    """Queue a task on the dedicated Redis, as the web process or beat would."""
    with celery_app.connection_for_write(redis_url) as connection:
        celery_app.send_task(name, args=args, kwargs=kwargs, connection=connection)


def _run_running(source):
    return DirectoryRun.objects.filter(source=source, state=RunState.RUNNING).first()


def _assert_synced_exactly_once(source) -> None:
    from django.contrib.auth import get_user_model

    from apps.directory.models import DirectoryAccount

    assert DirectoryAccount.objects.filter(source=source).count() == PEOPLE
    assert DirectoryAccount.objects.values("external_id").distinct().count() == PEOPLE
    assert get_user_model().objects.filter(directory_accounts__source=source).count() == PEOPLE
    assert get_user_model().objects.filter(email__endswith="@example.com").count() >= PEOPLE


def _kill_mid_run(source, kill, after_entries: int):
    """Wait for the run to have read `after_entries` (its progress), then kill; the run."""
    run = _wait(lambda: _run_running(source), 60, "the run starting")
    _wait(lambda: DirectoryRun.objects.get(pk=run.pk).entries_read >= after_entries, 60, "the run reading")
    kill()
    return run


def _next_run_finished(source, killed):
    return DirectoryRun.objects.filter(source=source, pk__gt=killed.pk).exclude(state__in=NOT_FINISHED).first()


def test_a_run_whose_pool_child_is_killed_is_recorded_interrupted_and_run_again_at_once(loaded_source):
    """The redelivered task finds the killed run's row 'running' with nobody holding its
    source (the lock went with the dead process's connection): it records it interrupted
    and runs again, from a new read of the directory."""
    with dedicated_redis() as redis_server, app_process("worker", redis_server.url, WORKER_ENV) as worker:
        worker.wait_for_log(r"ready\.")
        _send(redis_server.url, "directory.sync", loaded_source.pk, trigger="schedule")
        killed = _kill_mid_run(loaded_source, lambda: _pool_children(worker)[0].kill(), 2000)
        killed_at = time.monotonic()
        rerun = _wait(lambda: _next_run_finished(loaded_source, killed), 45, "a new run finishing", step=0.1)
        took = time.monotonic() - killed_at
    killed.refresh_from_db()
    assert killed.state == RunState.FAILED and killed.message.startswith("Interrupted: the worker running it stopped")
    assert "A new run started over." in killed.message and killed.finished_at is not None
    assert rerun.state == RunState.SUCCEEDED and rerun.trigger == "schedule", rerun.message
    assert rerun.counts["created"] + rerun.counts.get("unchanged", 0) == PEOPLE
    _assert_synced_exactly_once(loaded_source)
    assert DirectoryRun.objects.filter(source=loaded_source).count() == 2
    print(f"pool child killed mid-run: the new run finished {took:.1f} s later")


def test_a_run_whose_whole_worker_is_killed_is_restarted_by_the_sweep_once_its_lease_expired(loaded_source):
    """The whole worker dies mid-write: its message waits in Redis's unacked set. The run's
    lease expires; beat's sweep (sent here as beat would, each minute) records it interrupted
    and queues a run like it, which a new worker runs; nothing is doubled."""
    with dedicated_redis() as redis_server:
        with app_process("worker", redis_server.url, WORKER_ENV) as worker:
            worker.wait_for_log(r"ready\.")
            _send(redis_server.url, "directory.sync", loaded_source.pk, trigger="schedule")
            killed = _kill_mid_run(loaded_source, worker.kill, PEOPLE)
            killed_at = time.monotonic()
        killed.refresh_from_db()
        assert killed.state == RunState.RUNNING and killed.lease_until  # the row alone: still "running"
        _wait(lambda: DirectoryRun.objects.get(pk=killed.pk).interrupted, LEASE_SECONDS + 5, "the lease expiring")
        with app_process("worker", redis_server.url, WORKER_ENV) as worker:
            worker.wait_for_log(r"ready\.")
            _send(redis_server.url, "directory.schedule")
            rerun = _wait(lambda: _next_run_finished(loaded_source, killed), 45, "the restarted run", step=0.1)
            took = time.monotonic() - killed_at
    killed.refresh_from_db()
    assert killed.state == RunState.FAILED and "A new run started over." in killed.message
    assert rerun.state == RunState.SUCCEEDED and rerun.trigger == "schedule", rerun.message
    _assert_synced_exactly_once(loaded_source)
    print(f"worker killed mid-run: the restarted run finished {took:.1f} s later (lease {LEASE_SECONDS} s)")
