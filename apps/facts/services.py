"""Recording facts and handing them to their consumers.

A producer's service calls `fact_record` inside its own transaction. After commit, the task
of every consumer subscribed to the event (registry.py) is queued by name with the fact's
id. The task runs `fact_processing` to take the fact: locked, not yet processed, marked
processed in the same transaction as the consumer's own writes, so a task run twice (or
beside the sweep) does nothing the second time. When the broker was down, beat's
"facts.sweep" hands the facts still pending after SWEEP_AFTER to their consumers' tasks,
run here and now."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.core.queue import enqueue_on_commit, task_named
from apps.facts import registry
from apps.facts.models import Fact
from apps.facts.selectors import pending_facts

logger = logging.getLogger(__name__)

# A fact left unprocessed this long was not queued (broker down) or its worker died.
SWEEP_AFTER = timedelta(seconds=30)
# Processed facts are kept this long (to look into what happened), then deleted.
KEEP_PROCESSED = timedelta(days=7)


def fact_record(*, event: str, actor, **data) -> Fact:
    """Write the fact in the caller's transaction; hand it to its consumers after commit."""
    subscriptions = registry.subscriptions_to(event)
    if not subscriptions:
        raise ValueError(f"no consumer subscribes to the event: {event}")
    fact = Fact.objects.create(event=event, actor=actor, data=data)
    for subscription in subscriptions:
        enqueue_on_commit(subscription.task_name, fact.pk)
    return fact


@contextmanager
def fact_processing(fact_id: int) -> Iterator[Fact | None]:
    """The fact to process, locked, in a transaction that marks it processed if the block
    ends without an error; None if it is processed already or another worker has it.

    With one consumer per event, `processed_at` is the mark. A second consumer would pass
    its name here and get a receipt of its own (see models.py)."""
    with transaction.atomic():
        fact = Fact.objects.select_for_update(skip_locked=True).pending().filter(pk=fact_id).first()
        yield fact
        if fact is not None:
            fact.processed_at = timezone.now()
            fact.save(update_fields=["processed_at"])


def facts_sweep(*, older_than: timedelta = SWEEP_AFTER, limit: int = 500) -> int:
    """Hand the facts whose tasks never ran to their consumers' tasks, run in this process.
    Returns how many facts were handed over."""
    handed = 0
    for fact_id, event in pending_facts(older_than=older_than, limit=limit):
        subscriptions = registry.subscriptions_to(event)
        if not subscriptions:
            # Its consumer is gone (unsubscribed since): nobody will ever take it.
            logger.warning("fact %s (%s) has no consumer: marked processed", fact_id, event)
            Fact.objects.filter(pk=fact_id).update(processed_at=timezone.now())
            continue
        for subscription in subscriptions:
            try:
                task_named(subscription.task_name)(fact_id)
            except Exception:
                logger.exception("fact %s not processed by %s", fact_id, subscription.consumer)
        handed += 1
    return handed


def facts_prune(*, now=None) -> int:
    """Delete the facts processed more than KEEP_PROCESSED ago."""
    now = now or timezone.now()
    deleted, _ = Fact.objects.filter(processed_at__lt=now - KEEP_PROCESSED).delete()
    return deleted
