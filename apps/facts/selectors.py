from datetime import timedelta

from django.utils import timezone

from apps.facts.models import Fact


def pending_facts(*, older_than: timedelta, limit: int, events=None) -> list[tuple[int, str]]:
    """(id, event) of the facts not yet processed and older than `older_than`, oldest first
    (what the partial index fact_pending_idx answers)."""
    pending = Fact.objects.pending().filter(created_at__lt=timezone.now() - older_than)
    if events is not None:
        pending = pending.filter(event__in=list(events))
    return list(pending.order_by("created_at").values_list("pk", "event")[:limit])
