"""Reads of the directory sources and their runs."""

from datetime import datetime, timedelta

from django.db.models import Max, Q

from apps.directory.models import DirectoryRun, DirectorySource


def sources_due(*, now: datetime) -> list[DirectorySource]:
    """Enabled, scheduled sources whose last scheduled or manual run started an interval ago or more."""
    sources = DirectorySource.objects.filter(enabled=True, sync_interval_minutes__gt=0).annotate(
        last_started=Max("runs__created_at", filter=Q(runs__dry_run=False))
    )
    return [
        source
        for source in sources
        if source.last_started is None or source.last_started <= now - timedelta(minutes=source.sync_interval_minutes)
    ]


def run_list(*, source: DirectorySource | None = None, limit: int = 50) -> list[DirectoryRun]:
    runs = DirectoryRun.objects.select_related("source", "requested_by").order_by("-created_at", "-id")
    if source is not None:
        runs = runs.filter(source=source)
    return list(runs[:limit])
