"""Who consumes which facts: each consumer app subscribes in its AppConfig.ready.

A subscription names the Celery task that processes one fact (it is given the fact's id):
the facts app queues and calls it by name (apps/core/queue.py), so it never imports the
apps above it that react to what happened. Search indexing, compliance checks, webhooks and
analytics are meant to subscribe the same way, to the same facts."""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Subscription:
    consumer: str  # the consuming app's label
    events: frozenset[str]
    task_name: str


_subscriptions: dict[str, Subscription] = {}


def subscribe(*, consumer: str, events: Iterable[str], task_name: str) -> None:
    """`consumer`'s task `task_name` is handed every fact of one of `events` (subscribing
    again replaces the consumer's subscription)."""
    _subscriptions[consumer] = Subscription(consumer=consumer, events=frozenset(events), task_name=task_name)


def unsubscribe(consumer: str) -> None:
    _subscriptions.pop(consumer, None)


def subscriptions_to(event: str) -> list[Subscription]:
    """The subscriptions that handle `event`, in the order they were made."""
    return [subscription for subscription in _subscriptions.values() if event in subscription.events]
