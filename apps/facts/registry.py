"""Who consumes which facts: each consumer app subscribes in its AppConfig.ready.

A subscription names the Celery task that processes one fact (it is given the fact's id):
the facts app queues and calls it by name (apps/core/queue.py), so it never imports the
apps above it that react to what happened. Search indexing, compliance checks, webhooks and
analytics are meant to subscribe the same way, to the same facts."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Subscription:
    consumer: str  # the consuming app's label
    events: frozenset[str]
    task_name: str


_subscriptions: dict[str, Subscription] = {}


def subscribe(*, consumer: str, events: Iterable[str], task_name: str) -> None:
    """`consumer`'s task `task_name` is handed every fact of one of `events` (subscribing
    again replaces the consumer's subscription).

    One consumer per event: a fact has a single processed mark (models.py), so a second
    consumer of the same event would find it taken and never process it. Refused, loudly,
    until facts carry a mark per consumer."""
    events = frozenset(events)
    for other in _subscriptions.values():
        if other.consumer != consumer and other.events & events:
            raise ImproperlyConfigured(
                f"{consumer} cannot subscribe to {sorted(other.events & events)}: {other.consumer} consumes them, "
                "and a fact has one processed mark (apps/facts/models.py says how to give each consumer its own)."
            )
    _subscriptions[consumer] = Subscription(consumer=consumer, events=events, task_name=task_name)


def unsubscribe(consumer: str) -> None:
    _subscriptions.pop(consumer, None)


def subscriptions_to(event: str) -> list[Subscription]:
    """The subscriptions that handle `event`, in the order they were made."""
    return [subscription for subscription in _subscriptions.values() if event in subscription.events]
