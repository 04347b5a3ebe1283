"""A run past its safety checks, asked for from the admin pages: confirmed against the run the
administrator saw, written to the audit log, then queued."""

from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.queue import enqueue_on_commit
from apps.directory.models import DirectoryRun, DirectorySource, RunState, Trigger
from apps.moderation.services import audit_record


class ForcedRunRefused(Exception):
    """The message says why, for the administrator."""


def latest_finished_run(source: DirectorySource) -> DirectoryRun | None:
    return DirectoryRun.objects.filter(source=source).finished().order_by("-created_at", "-id").first()


def forced_run_request(*, actor, source: DirectorySource, seen_run_id: int | None) -> None:
    """Queue a forced run of `source`. `seen_run_id` is the latest run the administrator was
    shown: when another one has finished since, what they confirmed is no longer the picture."""
    if DirectoryRun.objects.filter(source=source, state=RunState.RUNNING).exists():
        raise ForcedRunRefused(_("A sync of %(source)s is running: wait for it to end.") % {"source": source.name})
    latest = latest_finished_run(source)
    if (latest.pk if latest else None) != seen_run_id:
        raise ForcedRunRefused(_("Another run has finished since this page was shown: read what it found first."))
    from apps.directory.tasks import sync_source_task

    with transaction.atomic():
        audit_record(
            actor=actor,
            action="directory.sync.forced",
            target=source,
            before=None
            if latest is None
            else {"run": latest.pk, "state": latest.state, "message": latest.message, "counts": latest.counts},
            after={"forced": True, "dry_run": False},
        )
        # (source id, dry run, force, trigger, actor id), once the audit entry is committed.
        enqueue_on_commit(sync_source_task, source.pk, False, True, Trigger.ADMIN, actor.pk)
