"""A run past its safety checks, asked for from the admin pages: confirmed against the run the
administrator saw, written to the audit log with a row of its own ('waiting to start'), then
queued. The row is what makes it happen: beat's sweep sends it again when its task was lost
(a broker outage), and it ends 'did not run', saying why, rather than silently never."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.queue import enqueue_on_commit
from apps.directory.models import DirectoryRun, DirectorySource, RunState, Trigger
from apps.moderation.services import audit_record

# A forced run not started by then does not start: what the administrator confirmed is an
# hour old, and the directory may say something else now (its message says "an hour").
FORCED_RUN_WAITS_AT_MOST = timedelta(hours=1)


class ForcedRunRefused(Exception):
    """The message says why, for the administrator."""


def latest_finished_run(source: DirectorySource) -> DirectoryRun | None:
    """The latest run that read the directory (or tried to): forced runs that never started
    are not what an administrator confirms against."""
    runs = DirectoryRun.objects.filter(source=source).finished().exclude(state=RunState.CANCELLED)
    return runs.order_by("-created_at", "-id").first()


def forced_run_request(*, actor, source: DirectorySource, seen_run_id: int | None) -> DirectoryRun:
    """Ask for a forced run of `source`: its row, waiting to start, and its audit entry, in one
    transaction; the task on commit. `seen_run_id` is the latest run the administrator was
    shown: when another one has finished since, what they confirmed is no longer the picture."""
    if DirectoryRun.objects.filter(source=source, state=RunState.RUNNING).exists():
        raise ForcedRunRefused(_("A sync of %(source)s is running: wait for it to end.") % {"source": source.name})
    latest = latest_finished_run(source)
    if (latest.pk if latest else None) != seen_run_id:
        raise ForcedRunRefused(_("Another run has finished since this page was shown: read what it found first."))
    try:
        with transaction.atomic():
            run = DirectoryRun.objects.create(
                source=source, state=RunState.QUEUED, forced=True, trigger=Trigger.ADMIN, requested_by=actor
            )
            audit_record(
                actor=actor,
                action="directory.sync.forced",
                target=source,
                before=None
                if latest is None
                else {"run": latest.pk, "state": latest.state, "message": latest.message, "counts": latest.counts},
                after={"forced": True, "dry_run": False, "run": run.pk},
            )
    except IntegrityError as error:  # directory_run_one_queued_per_source
        raise ForcedRunRefused(
            _("A forced run of %(source)s is already waiting to start: follow it in the sync runs.")
            % {"source": source.name}
        ) from error
    enqueue_on_commit("directory.forced_run", run.pk)
    return run


def forced_run_start(*, run_id: int) -> DirectoryRun | None:
    """Run the forced run `run_id` if it is still waiting; None when it has already started or
    ended. It does not run, and says why, once another run of its source has started since it
    was asked for, or after FORCED_RUN_WAITS_AT_MOST."""
    from apps.directory.services.sync import RunInProgress, directory_sync, run_restart_if_interrupted

    run = DirectoryRun.objects.select_related("source", "requested_by").filter(pk=run_id).first()
    if run is not None and run.state == RunState.RUNNING:
        # Delivered again because the worker running it died: it is recorded as interrupted
        # and started over (nothing happens while it still runs).
        run_restart_if_interrupted(run)
        return None
    if run is None or run.state != RunState.QUEUED:
        return None
    if run.created_at < timezone.now() - FORCED_RUN_WAITS_AT_MOST:
        return _did_not_run(
            run,
            _(
                "This forced run could not start within an hour of being asked for (no worker was running, or "
                "the broker was down), so it did not run: the directory may say something else now. Force a run "
                "again if it is still right."
            ),
        )
    try:
        return directory_sync(
            source=run.source, force=True, trigger=Trigger.ADMIN, actor=run.requested_by, forced_run=run
        )
    except RunInProgress:
        return _did_not_run(
            run,
            _(
                "Another run of %(source)s started after this forced run was asked for, so it did not run: what "
                "was confirmed may no longer be what the directory says. Read what that run found, then force a "
                "run again if it is still right."
            )
            % {"source": run.source.name},
        )


def _did_not_run(run: DirectoryRun, message: str) -> DirectoryRun | None:
    ended = DirectoryRun.objects.filter(pk=run.pk, state=RunState.QUEUED).update(
        state=RunState.CANCELLED, finished_at=timezone.now(), message=message
    )
    if not ended:
        return None  # started meanwhile by another delivery of its task
    run.refresh_from_db()
    return run
