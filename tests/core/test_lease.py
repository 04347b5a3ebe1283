"""Leases on long work (apps.core.lease), against the real database: taken once, renewed by
its holder only, over when it expires or when its holder's process is gone, taken over then,
and kept alive by the heartbeat while the work runs."""

import os
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.core import lease
from apps.directory.models import ContactImport, ImportState
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def job():
    return ContactImport.objects.create(owner=UserFactory(), source="csv", state=ImportState.QUEUED)


@pytest.fixture
def short_leases(settings):
    settings.TASK_LEASE_SECONDS = 1  # renewed every 1/6 s


def _takeable():
    return ContactImport.objects.filter(state__in=(ImportState.QUEUED, ImportState.RUNNING))


def test_a_free_lease_is_taken_once_and_a_live_one_is_not_taken_over(job):
    first, second = lease.new_owner(), lease.new_owner()
    assert lease.lease_take(_takeable(), job.pk, first, state=ImportState.RUNNING)
    assert not lease.lease_take(_takeable(), job.pk, second)
    job.refresh_from_db()
    assert job.lease_owner == first and job.state == ImportState.RUNNING and lease.lease_alive(job)
    assert job.lease_until - timezone.now() > timedelta(seconds=55)  # 60 s by default


def test_only_the_holder_renews_and_writes(job):
    holder, other = lease.new_owner(), lease.new_owner()
    lease.lease_take(_takeable(), job.pk, holder)
    ContactImport.objects.filter(pk=job.pk).update(lease_until=timezone.now() + timedelta(seconds=1))
    lease.lease_renew(ContactImport, job.pk, holder, done=5)
    with pytest.raises(lease.LeaseLost):
        lease.lease_renew(ContactImport, job.pk, other, done=99)
    job.refresh_from_db()
    assert job.done == 5 and job.lease_until - timezone.now() > timedelta(seconds=55)
    assert not lease.lease_release(ContactImport, job.pk, other, state=ImportState.SUCCEEDED)
    assert lease.lease_release(ContactImport, job.pk, holder, state=ImportState.SUCCEEDED)
    job.refresh_from_db()
    assert job.state == ImportState.SUCCEEDED and job.lease_owner == "" and job.lease_until is None


def test_an_expired_lease_is_taken_over_and_its_old_holder_is_fenced_off(job):
    old, new = lease.new_owner(), lease.new_owner()
    lease.lease_take(_takeable(), job.pk, old)
    ContactImport.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    job.refresh_from_db()
    assert not lease.lease_alive(job) and job.interrupted is False  # queued: nothing was interrupted
    assert lease.lease_take(_takeable(), job.pk, new)
    with pytest.raises(lease.LeaseLost):
        lease.lease_renew(ContactImport, job.pk, old)  # it woke up: it writes nothing more


def test_a_lease_whose_holder_process_is_gone_is_taken_over_before_it_expires(job):
    dead = subprocess.Popen(["true"])
    dead.wait()
    host = lease.new_owner().split(":")[0]
    gone, alive, elsewhere = f"{host}:{dead.pid}:x", f"{host}:{os.getppid()}:x", f"other-host:{dead.pid}:x"
    assert lease.holder_is_gone(gone)
    assert not lease.holder_is_gone(alive) and not lease.holder_is_gone(elsewhere)
    assert not lease.holder_is_gone(lease.new_owner())  # this process
    ContactImport.objects.filter(pk=job.pk).update(lease_owner=gone, lease_until=timezone.now() + timedelta(seconds=60))
    new = lease.new_owner()
    assert not lease.lease_take(_takeable(), job.pk, new)
    assert lease.lease_take(_takeable(), job.pk, new, current_owner=gone)


def test_the_heartbeat_keeps_the_lease_alive_while_the_work_runs_and_notices_a_takeover(job, short_leases):
    holder = lease.new_owner()
    lease.lease_take(_takeable(), job.pk, holder, state=ImportState.RUNNING)
    with lease.Heartbeat(ContactImport, job.pk, holder) as heartbeat:
        time.sleep(2.5)  # 2.5 leases: alive only through its renewals
        job.refresh_from_db()
        assert lease.lease_alive(job) and not job.interrupted and job.state_label == "running"
        heartbeat.check()
        ContactImport.objects.filter(pk=job.pk).update(lease_owner="someone-else:1:x")
        time.sleep(0.5)
        with pytest.raises(lease.LeaseLost):
            heartbeat.check()
    assert not any(thread.name.startswith("lease-") for thread in threading.enumerate())
    # Without its heartbeat, a lease expires: the page says so.
    ContactImport.objects.filter(pk=job.pk).update(lease_owner=holder)
    time.sleep(1.2)
    job.refresh_from_db()
    assert job.interrupted and job.state_label == "interrupted, resuming…"
    assert connection.connection is not None  # the test's own connection was not the thread's
