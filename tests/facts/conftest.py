import pytest

from apps.core import queue
from apps.facts import registry
from config.celery import app as celery_app
from tests.factories import ProfileFactory

# What the fake consumer's task was handed, in order (a second consumer, as search indexing
# or webhooks would be: subscribed by the test, never imported by the facts app).
received: list[int] = []


@celery_app.task(name="tests.facts.index")
def index_fact(fact_id: int) -> None:
    received.append(fact_id)


@pytest.fixture
def anna(db):
    return ProfileFactory(user__first_name="Anna", user__last_name="Martin", user__email="anna.martin@example.com").user


@pytest.fixture
def bob(db):
    return ProfileFactory(user__first_name="Bob", user__last_name="Stone", user__email="bob.stone@example.com").user


@pytest.fixture
def search_consumer():
    """A second consumer, of an event nobody else consumes (one consumer per event: a fact
    has one processed mark)."""
    received.clear()
    registry.subscribe(consumer="search", events={"test.indexed"}, task_name="tests.facts.index")
    yield received
    registry.unsubscribe("search")
    received.clear()


@pytest.fixture
def queued(monkeypatch):
    """The tasks queued after commit, as (task name, args), instead of publishing them."""
    sent = []
    monkeypatch.setattr(queue, "enqueue_now", lambda task_name, *args: sent.append((task_name, *args)) or True)
    return sent


@pytest.fixture
def broker_down(monkeypatch):
    """Nothing queued after commit reaches a worker."""
    monkeypatch.setattr(queue, "enqueue_now", lambda task_name, *args: False)
