"""Celery tasks of the directory. The services they call load their modules (ldap3, msal,
requests) when a task runs: web processes import this module too."""

from django.utils import timezone

from apps.directory.models import DirectorySource, Trigger
from apps.directory.selectors import forced_runs_waiting, sources_due, stale_contact_imports
from config.celery import app


@app.task(name="directory.sync", bind=True)
def sync_source(
    self,
    source_id: int,
    dry_run: bool = False,
    force: bool = False,
    trigger: str = Trigger.ADMIN,
    actor_id=None,
    restart_of: int | None = None,
):
    from apps.directory.services import sync

    source = DirectorySource.objects.filter(pk=source_id).first()
    if source is None:
        return None
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    task_id = self.request.id or ""
    if task_id and (sync.run_of_task_ended(task_id, restart_of) or sync.runs_of_task(task_id) >= sync.MAX_ATTEMPTS):
        # Delivered again after its run ended (or was restarted by beat's sweep), or after it
        # killed its worker too often: beat's sweep records the last one as interrupted.
        return None
    try:
        run = sync.directory_sync(
            source=source, dry_run=dry_run, force=force, trigger=trigger, actor=actor, task_id=task_id
        )
    except sync.RunInProgress:
        if sync.run_holder_gone(source):
            # Delivered again because its worker died a moment ago: the dead process's
            # database session (and the source's lock) ends within seconds.
            raise self.retry(countdown=2, max_retries=10) from None
        return None
    return run.pk


sync_source_task = sync_source


@app.task(name="directory.forced_run")
def forced_run(run_id: int):
    """A forced run asked for from the admin pages, waiting as its own row (services.forced)."""
    from apps.directory.services.forced import forced_run_start

    run = forced_run_start(run_id=run_id)
    return run.state if run else None


forced_run_task = forced_run


@app.task(name="directory.schedule")
def schedule():
    """Beat calls this every minute: each enabled source whose interval has passed is synced."""
    now = timezone.now()
    # First, imports and runs left by a worker that died (their lease expired): resumed, and
    # run again, before any new run of their source is queued.
    from apps.directory.services.contacts import contact_imports_resume
    from apps.directory.services.sync import runs_interrupted_restart

    runs_interrupted_restart(now=now)
    contact_imports_resume(now=now)
    # Forced runs whose task was lost (the broker was down when they were asked for) or is late.
    for run_id in forced_runs_waiting(now=now):
        forced_run_task.delay(run_id)
    for source in sources_due(now=now):
        sync_source_task.delay(source.pk, trigger=Trigger.SCHEDULE)
    # Imports whose task was never queued (the broker was down when they were asked for).
    for import_id in stale_contact_imports(now=now):
        contact_import_task.delay(import_id)


@app.task(name="directory.contact_import")
def contact_import(import_id: int):
    from apps.directory.services.contacts import contact_import_run

    job = contact_import_run(import_id=import_id)
    return job.state if job else None


contact_import_task = contact_import
