"""A sync run from start to end: read everything, compare, check it is safe, write, record."""

import contextlib
import gc
import logging
import time
from datetime import UTC, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import lease
from apps.core.queue import task_named
from apps.directory import ldap
from apps.directory.models import DirectoryRun, DirectorySource, RunState, Trigger
from apps.directory.services.apply import plan_apply
from apps.directory.services.plan import Plan, plan_make
from apps.directory.services.read import source_read
from apps.profiles.activation import forget_directory_facets

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 2000  # entries between two progress writes
# Runs of one task (the first and its restarts after a worker died) before it is given up.
MAX_ATTEMPTS = 3


class SyncAborted(Exception):
    """The run changes nothing: what it read is not a safe picture of the directory."""


class RunInProgress(Exception):
    """Another run of the source holds it, or (for a forced run waiting to start) has
    started since it was asked for."""


def _lock_key(source: DirectorySource) -> int:
    return 0x4449520000000000 + source.pk  # "DIR" in the high bytes: apart from other advisory locks


def run_start(
    *, source: DirectorySource, dry_run: bool, force: bool, trigger: str, actor=None, forced_run=None, task_id=""
) -> DirectoryRun:
    """The run's row, committed at once (the admin follows its progress): `forced_run`'s own,
    waiting since it was asked for, or a new one. Runs left 'running' by a process that died
    are closed first: the advisory lock says nobody holds them."""
    in_progress = _("A sync of %(source)s is already running.") % {"source": source.name}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_key(source)])
        if not cursor.fetchone()[0]:
            raise RunInProgress(in_progress)
    try:
        if forced_run is not None and (
            DirectoryRun.objects.filter(source=source, created_at__gt=forced_run.created_at)
            .exclude(pk=forced_run.pk)
            .exists()
        ):
            raise RunInProgress(in_progress)  # what the administrator confirmed is no longer the picture
        for orphan in DirectoryRun.objects.filter(source=source, state=RunState.RUNNING):
            _close_interrupted(orphan, restarted=True if forced_run is None else None)
        held = {
            "lease_owner": lease.new_owner(),
            "lease_until": timezone.now() + timedelta(seconds=lease.lease_seconds()),
        }
        if forced_run is None:
            return DirectoryRun.objects.create(
                source=source,
                dry_run=dry_run,
                forced=force,
                trigger=trigger,
                requested_by=actor,
                task_id=task_id,
                **held,
            )
        if not DirectoryRun.objects.filter(pk=forced_run.pk, state=RunState.QUEUED).update(
            state=RunState.RUNNING, **held
        ):
            raise RunInProgress(in_progress)  # started, or ended, by another delivery of its task
        forced_run.state, forced_run.lease_owner, forced_run.lease_until = RunState.RUNNING, *held.values()
        return forced_run
    except (IntegrityError, RunInProgress) as error:
        _unlock(source)
        raise RunInProgress(in_progress) from error


def _unlock(source: DirectorySource) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(source)])


def _close_interrupted(run: DirectoryRun, *, restarted: bool | None) -> bool:
    """Record honestly a run whose worker died (the caller holds the source's lock, so
    nobody runs it): it failed, interrupted, after the last sign of life of its worker."""
    heard = run.lease_until - timedelta(seconds=lease.lease_seconds()) if run.lease_until else run.created_at
    message = _("Interrupted: the worker running it stopped (last heard from at %(time)s UTC).") % {
        "time": f"{heard.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
    }
    if restarted:
        message += " " + _("A new run started over.")
    elif restarted is False:
        message += " " + _("It was interrupted too often to start again: the next scheduled run will try.")
    return bool(
        DirectoryRun.objects.filter(pk=run.pk, state=RunState.RUNNING).update(
            state=RunState.FAILED, finished_at=timezone.now(), message=message, lease_owner="", lease_until=None
        )
    )


def run_restart_if_interrupted(run: DirectoryRun) -> bool:
    """Close `run` if it is running and nobody runs it (its source's lock is free: the
    process that held it is gone), and queue a run like it (same source, dry or not, forced
    or not, same trigger and person), which reads the directory again from the start. The
    new run's task has the dead one's id: the dead one's message delivered again late finds
    its run restarted; after MAX_ATTEMPTS runs of the same task (a directory that kills the
    worker each time?), it is not started again: the next scheduled run tries."""
    task_id = run.task_id or f"restart-of-run-{run.pk}"
    again = runs_of_task(task_id) < MAX_ATTEMPTS
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_key(run.source)])
        if not cursor.fetchone()[0]:
            return False  # a run of the source is going on: its worker lives (maybe stopped)
    try:
        closed = _close_interrupted(run, restarted=again)
    finally:
        _unlock(run.source)
    if closed and again:
        # Not expiring: the row is closed, and this message is the only one that restarts it.
        task_named("directory.sync").apply_async(
            (run.source_id,),
            {
                "dry_run": run.dry_run,
                "force": run.forced,
                "trigger": run.trigger,
                "actor_id": run.requested_by_id,
                "restart_of": run.pk,
            },
            task_id=task_id,
        )
    return closed


def run_of_task_ended(task_id: str, restart_of: int | None = None) -> bool:
    """Whether the latest run task `task_id` started has ended (or was closed as interrupted):
    its message delivered again then starts nothing. One still 'running' is one its worker
    left when it died (the message came back at once): run_start closes it and starts over.
    `restart_of`: the interrupted run the sweep queued this restart for."""
    latest = DirectoryRun.objects.filter(task_id=task_id).order_by("-created_at", "-id").first()
    return latest is not None and latest.state != RunState.RUNNING and latest.pk != restart_of


def runs_of_task(task_id: str) -> int:
    return DirectoryRun.objects.filter(task_id=task_id).count()


def run_holder_gone(source: DirectorySource) -> bool:
    """Whether the source's running run was held by a process of this machine that is gone."""
    run = DirectoryRun.objects.filter(source=source, state=RunState.RUNNING).only("lease_owner").first()
    return bool(run and run.lease_owner and lease.holder_is_gone(run.lease_owner))


def runs_interrupted_restart(*, now) -> list[int]:
    """Beat's sweep: runs whose lease expired (their worker was killed, or the machine) are
    recorded as interrupted and started again."""
    runs = DirectoryRun.objects.filter(lease.expired(now), state=RunState.RUNNING).select_related("source")
    return [run.pk for run in runs if run_restart_if_interrupted(run)]


def directory_sync(
    *,
    source: DirectorySource,
    dry_run: bool = False,
    force: bool = False,
    trigger: str = Trigger.COMMAND,
    actor=None,
    forced_run: DirectoryRun | None = None,
    task_id: str = "",
) -> DirectoryRun:
    """One whole run (`forced_run`: the row of a forced run asked for from the admin pages).
    Never raises for what the directory did: the run records it."""
    run = run_start(
        source=source, dry_run=dry_run, force=force, trigger=trigger, actor=actor, forced_run=forced_run,
        task_id=task_id,
    )  # fmt: skip
    started = time.monotonic()
    plan = None
    timings: dict[str, int] = {}  # milliseconds per phase, shown with the run
    heartbeat = lease.Heartbeat(DirectoryRun, run.pk, run.lease_owner).__enter__()
    try:
        last = [0]

        def progress(count: int) -> None:
            if count - last[0] >= PROGRESS_EVERY:
                last[0] = count
                DirectoryRun.objects.filter(pk=run.pk).update(entries_read=count)

        with _garbage_collector_paused():
            snapshot = source_read(source, on_progress=progress)
        timings["read"] = _ms_since(started)
        run.entries_read = snapshot.entries_read
        if not snapshot.entries_read:
            raise SyncAborted(
                _("The directory returned nobody: check the base, the filter and what the bind account may read.")
            )
        if not snapshot.records:
            raise SyncAborted(
                _("No entry could be used (%(count)d errors): the bind account may not read the attributes.")
                % {"count": len(snapshot.errors)}
            )
        plan = plan_make(source, snapshot)
        timings["compare"] = _ms_since(started) - timings["read"]
        if len(plan.deactivate) > plan.limit and not force:
            raise SyncAborted(
                _(
                    "%(count)d people would be deactivated, more than the limit of %(limit)d: nothing was changed. "
                    "If that is right, force a run: “Force a run” on the source's admin page, or --force."
                )
                % {"count": len(plan.deactivate), "limit": plan.limit}
            )
        if plan.emptied_groups and not force:
            raise SyncAborted(
                _(
                    "These groups came back empty although they had brought people into their community: "
                    "%(groups)s. Nothing was changed: check the member attribute and what the bind account may "
                    "read. If that is right, force a run: “Force a run” on the source's admin page, or --force."
                )
                % {"groups": "; ".join(plan.emptied_groups)}
            )
        if plan.memberships_removed > plan.limit and not force:
            raise SyncAborted(
                _(
                    "%(count)d people would leave communities their groups brought them into, more than the limit "
                    "of %(limit)d: nothing was changed. If that is right, force a run: “Force a run” on the "
                    "source's admin page, or --force."
                )
                % {"count": plan.memberships_removed, "limit": plan.limit}
            )
        if not dry_run:
            with transaction.atomic():
                # A run lost to a crash right after its commit is redone by the next one:
                # no need to wait for the WAL to reach the disk (seconds for 100,000 people).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
                plan_apply(source, plan)
                forget_directory_facets()
            timings["write"] = _ms_since(started) - timings["read"] - timings["compare"]
        _finish(run, RunState.SUCCEEDED, plan, started, timings=timings)
    except SyncAborted as error:
        _finish(run, RunState.ABORTED, plan, started, message=str(error))
    except ldap.DirectoryError as error:
        run.entries_read = getattr(error, "entries_read", run.entries_read)  # up to where the read stopped
        _finish(run, RunState.ABORTED if isinstance(error, ldap.ReadIncomplete) else RunState.FAILED, plan, started,
                message=str(error))  # fmt: skip
    except Exception as error:
        logger.exception("directory sync of %s failed", source.name)
        _finish(run, RunState.FAILED, plan, started, message=_("Unexpected error: %(error)s") % {"error": error})
    finally:
        heartbeat.__exit__(None, None, None)
        _unlock(source)
    if run.state != RunState.SUCCEEDED and run.trigger == Trigger.SCHEDULE:
        _tell_admins(run)
    return run


@contextlib.contextmanager
def _garbage_collector_paused():
    """Reading 100,000 entries allocates millions of objects that all live until the end of
    the run: the cycle collector's repeated passes over them cost more than the read itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _finish(
    run: DirectoryRun, state: str, plan: Plan | None, started: float, message: str = "", timings: dict | None = None
) -> None:
    run.state = state
    run.finished_at = timezone.now()
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.message = message
    run.lease_owner, run.lease_until = "", None
    if plan is not None:
        run.counts = plan.counts()
        run.diff = {**plan.diff(), "timings_ms": timings or {}}
    run.save(update_fields=["state", "finished_at", "duration_ms", "message", "counts", "diff", "entries_read",
                            "lease_owner", "lease_until"])  # fmt: skip


def _tell_admins(run: DirectoryRun) -> None:
    """The site's administrators (active superusers) and settings.ADMINS hear of a scheduled
    run that changed nothing because something was wrong."""
    recipients = set(
        get_user_model().objects.filter(is_superuser=True, is_active=True).values_list("email", flat=True)
    ) | {email for _name, email in settings.ADMINS}
    if not recipients:
        return
    subject = _("Directory sync of %(source)s: %(state)s") % {
        "source": run.source.name,
        "state": run.get_state_display(),
    }
    body = _("%(message)s\n\nEntries read: %(count)d. Nothing was changed.") % {
        "message": run.message,
        "count": run.entries_read,
    }
    send_mail(subject, body, None, sorted(recipients), fail_silently=True)
