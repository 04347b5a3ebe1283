"""Leases on long work (imports, directory runs): the row doing the work says who holds it
and until when (`lease_owner`, `lease_until`), and the holder renews it every few seconds
while it works. A "running" flag alone outlives a worker killed mid-way: the task delivered
again (acks_late) saw "running" and left, and nothing ever finished the work. With a lease,
a task that finds a live lease held by someone else leaves; one that finds an expired lease
(or one held by a process of this machine that no longer exists) takes it over and resumes.

Every write the work does is fenced by the lease (`UPDATE ... WHERE lease_owner = me`): a
holder that was taken over (paused too long, then woke up) finds 0 rows and stops, so two
holders never both write."""

import contextlib
import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

logger = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Someone else holds the lease now: the work stops without writing anything more."""


def lease_seconds() -> int:
    """How long a lease lives without a renewal (TASK_LEASE_SECONDS, 60 s). The fault tests
    shorten it (a few seconds) through the environment of the worker processes they start."""
    return settings.TASK_LEASE_SECONDS


def renew_every() -> float:
    """Six renewals per lease: a renewal or two lost to a slow database do not let it expire."""
    return lease_seconds() / 6


def new_owner() -> str:
    """Who takes a lease: this machine and process (to tell, from this machine, whether the
    holder still exists), and a random part (each attempt is a holder of its own)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def holder_is_gone(owner: str) -> bool:
    """Whether `owner` was a process of this machine that no longer exists (killed, say):
    its lease is over without waiting for it to expire. A holder on another machine, or one
    we cannot tell about, is taken to be alive until its lease expires."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:60] or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # ourselves: never taken over from under our own feet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    # A killed child not yet reaped by its parent still has a pid: a zombie is gone too.
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:
        return stat.read().rpartition(")")[2].split()[0] == "Z"
    return False


def expired(now=None) -> models.Q:
    """Rows whose lease is free or over."""
    return models.Q(lease_until__isnull=True) | models.Q(lease_until__lt=now or timezone.now())


def lease_take(queryset: models.QuerySet, pk: int, owner: str, *, current_owner: str = "", **changes) -> bool:
    """Take the lease of row `pk` of `queryset` (which says which rows may be taken, by
    state) if it is free, expired, or held by `current_owner` (a holder known to be gone),
    writing `changes` with it. One UPDATE: of two takers, one wins."""
    now = timezone.now()
    takeable = expired(now)
    if current_owner:
        takeable |= models.Q(lease_owner=current_owner)
    return bool(
        queryset.filter(takeable, pk=pk).update(
            lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds()), **changes
        )
    )


def lease_renew(model: type[models.Model], pk: int, owner: str, **changes) -> None:
    """Renew the lease (and write `changes`, fenced by it); LeaseLost if another holds it."""
    until = timezone.now() + timedelta(seconds=lease_seconds())
    if not model.objects.filter(pk=pk, lease_owner=owner).update(lease_until=until, **changes):
        raise LeaseLost(f"{model.__name__} {pk}")


def lease_release(model: type[models.Model], pk: int, owner: str, **changes) -> bool:
    """Write the work's end (`changes`) and free the lease, if still ours."""
    return bool(model.objects.filter(pk=pk, lease_owner=owner).update(lease_owner="", lease_until=None, **changes))


def lease_alive(row, now=None) -> bool:
    return bool(row.lease_owner and row.lease_until and row.lease_until >= (now or timezone.now()))


class Heartbeat:
    """Renews a lease from a thread of its own while the work runs, whatever the work is
    doing (parsing a file, waiting for a directory server): the lease expires only when the
    process is gone (or stopped). `check()` raises LeaseLost, between two steps of the work,
    once a renewal found the lease taken."""

    def __init__(self, model: type[models.Model], pk: int, owner: str):
        self.model, self.pk, self.owner = model, pk, owner
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{model.__name__}-{pk}", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def check(self) -> None:
        if self.lost:
            raise LeaseLost(f"{self.model.__name__} {self.pk}")

    def _beat(self) -> None:
        try:
            while not self._stop.wait(renew_every()):
                try:
                    lease_renew(self.model, self.pk, self.owner)
                except LeaseLost:
                    self.lost = True
                    return
                except Exception:
                    # The database away for a moment: the next beat tries again; if the
                    # lease expires meanwhile, the next fenced write says so.
                    logger.warning("renewing the lease of %s %s failed", self.model.__name__, self.pk, exc_info=True)
        finally:
            connection.close()  # this thread's own connection
