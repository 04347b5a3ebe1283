"""Work in flight survives a killed worker: a contact import whose worker process is SIGKILLed
mid-way (the pool child alone, or the whole worker) completes afterwards, with exactly the
file's contacts, none lost, none doubled, and its page says what is going on meanwhile.

The workers run with 4-second leases (TASK_LEASE_SECONDS): the production lease is 60 s."""

import time

import psutil
import pytest

from apps.directory.models import Contact, ContactImport, ImportState
from config.celery import app as celery_app
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


def _mid_import(job: ContactImport) -> bool:
    job.refresh_from_db(fields=["done", "total", "state"])
    return job.state == ImportState.RUNNING and 0 < job.done < ROWS


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
        app_process("worker", redis_server.url, WORKER_ENV) as worker,
    ):
        worker.wait_for_log(r"ready\.")
        _session, job = _upload(web, user)
        _wait(lambda: _mid_import(job), 60, "the import writing its batches")
        (child,) = _pool_children(worker)
        child.kill()
        killed_at, done_when_killed = time.monotonic(), job.done
        _wait(lambda: _finished(job), 30, "the import finishing after its worker was killed", step=0.1)
        took = time.monotonic() - killed_at
        assert worker.process.poll() is None  # the master lives on, with a new child
    _assert_imported_exactly_once(job, user)
    assert took < LEASE_SECONDS + 20, took  # resumed without waiting for the lease
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
            _wait(lambda: _mid_import(job), 60, "the import writing its batches")
            worker.kill()
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
            _wait(lambda: _finished(job), 30, "the swept import finishing", step=0.1)
            took = time.monotonic() - killed_at
        page = session.get(f"{web.base}/contacts/imports/{job.pk}/", timeout=10).text
    _assert_imported_exactly_once(job, user)
    assert f"{ROWS} contacts added" in page and "hx-trigger" not in page
    print(f"worker killed at {done_when_killed}/{ROWS}: finished {took:.1f} s later (lease {LEASE_SECONDS} s)")
