"""Reads of the directory sources and their runs."""

from datetime import datetime, timedelta

from django.db.models import Exists, Max, OuterRef, Q
from django.shortcuts import get_object_or_404

from apps.core.pagination import decode_cursor, encode_cursor, rows_after
from apps.directory.models import Contact, ContactImport, DirectoryRun, DirectorySource, ImportState, RunState
from apps.profiles.models import Follow
from apps.profiles.selectors import Page


def sources_due(*, now: datetime) -> list[DirectorySource]:
    """Enabled, scheduled sources whose last scheduled or manual run started an interval ago or
    more. A source with a forced run waiting to start is not: that run is its next one (beat's
    sweep sends it), and a run started before it would make it end without running."""
    waiting = DirectoryRun.objects.filter(source=OuterRef("pk"), state=RunState.QUEUED)
    sources = (
        DirectorySource.objects.filter(enabled=True, sync_interval_minutes__gt=0)
        .exclude(Exists(waiting))
        .annotate(
            last_started=Max("runs__created_at", filter=Q(runs__dry_run=False) & ~Q(runs__state=RunState.CANCELLED))
        )
    )
    return [
        source
        for source in sources
        if source.last_started is None or source.last_started <= now - timedelta(minutes=source.sync_interval_minutes)
    ]


def forced_runs_waiting(*, now: datetime) -> list[int]:
    """Forced runs still waiting a minute after they were asked for: their task was lost (the
    broker was down) or is behind others. Sent twice, one starts once (services.forced)."""
    runs = DirectoryRun.objects.filter(state=RunState.QUEUED, created_at__lte=now - timedelta(minutes=1))
    return list(runs.values_list("pk", flat=True))


def stale_contact_imports(*, now: datetime) -> list[int]:
    """Imports still waiting a minute after they were asked for."""
    return list(
        ContactImport.objects.filter(state=ImportState.QUEUED, created_at__lte=now - timedelta(minutes=1)).values_list(
            "pk", flat=True
        )
    )


def run_list(*, source: DirectorySource | None = None, limit: int = 50) -> list[DirectoryRun]:
    runs = DirectoryRun.objects.select_related("source", "requested_by").order_by("-created_at", "-id")
    if source is not None:
        runs = runs.filter(source=source)
    return list(runs[:limit])


CONTACTS_PAGE = 50


def contact_list(*, viewer, cursor: str | None = None, limit: int = CONTACTS_PAGE) -> Page:
    """The viewer's own contacts by name, with the colleague each matches and whether the
    viewer follows them: two queries (contacts; their colleagues' profiles), whatever the page."""
    contacts = (
        Contact.objects.visible_to(viewer)
        .select_related("colleague__profile")
        .annotate(followed=Exists(Follow.objects.filter(follower=viewer, followee=OuterRef("colleague_id"))))
        .order_by("sort_name", "id")
    )
    after = decode_cursor(cursor, types=(str, int))
    if after:
        contacts = contacts.filter(rows_after("sort_name", after[0], "id", after[1]))
    rows = list(contacts[: limit + 1])
    next_cursor = encode_cursor([rows[limit - 1].sort_name, rows[limit - 1].id]) if len(rows) > limit else None
    return Page(rows[:limit], next_cursor)


def contact_get(*, viewer, contact_id: int) -> Contact:
    return get_object_or_404(Contact.objects.visible_to(viewer), pk=contact_id)


def contact_import_list(*, viewer, limit: int = 5) -> list[ContactImport]:
    return list(ContactImport.objects.visible_to(viewer).defer("payload")[:limit])


def contact_import_get(*, viewer, import_id: int) -> ContactImport:
    return get_object_or_404(ContactImport.objects.visible_to(viewer).defer("payload"), pk=import_id)
