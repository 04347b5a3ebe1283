from celery import shared_task
from django.utils import timezone

from apps.directory.models import DirectorySource, Trigger
from apps.directory.selectors import sources_due
from apps.directory.services import sync


@shared_task(name="directory.sync")
def sync_source(
    source_id: int, dry_run: bool = False, force: bool = False, trigger: str = Trigger.ADMIN, actor_id=None
):
    source = DirectorySource.objects.filter(pk=source_id).first()
    if source is None:
        return None
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        run = sync.directory_sync(source=source, dry_run=dry_run, force=force, trigger=trigger, actor=actor)
    except sync.RunInProgress:
        return None
    return run.pk


sync_source_task = sync_source


@shared_task(name="directory.schedule")
def schedule():
    """Beat calls this every minute: each enabled source whose interval has passed is synced."""
    for source in sources_due(now=timezone.now()):
        sync_source_task.delay(source.pk, trigger=Trigger.SCHEDULE)
