"""A fact is written in its producer's transaction and handed to every consumer subscribed
to its event after commit; nothing is written or handed over when that transaction rolls
back; an event no consumer knows is refused."""

import pytest
from django.db import transaction

from apps.facts.models import Fact
from apps.facts.services import fact_record

pytestmark = pytest.mark.django_db

NOTIFICATIONS_TASK = "notifications.process_intent"


class Rollback(Exception):
    pass


def test_a_fact_is_written_in_the_callers_transaction_and_handed_over_after_commit(
    anna, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            fact = fact_record(event="post.created", actor=anna, post=12)
            assert Fact.objects.pending().filter(pk=fact.pk).exists()
            assert queued == []
        assert queued == []  # the outer transaction has not committed yet
    assert queued == [(NOTIFICATIONS_TASK, fact.pk)]
    fact.refresh_from_db()
    assert (fact.event, fact.actor_id, fact.data, fact.processed_at) == ("post.created", anna.pk, {"post": 12}, None)


def test_nothing_is_written_or_handed_over_when_the_transaction_rolls_back(
    anna, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Rollback), transaction.atomic():
        fact_record(event="post.created", actor=anna, post=12)
        raise Rollback
    assert not Fact.objects.exists()
    assert queued == []


def test_an_event_no_consumer_knows_is_refused(anna, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueError, match=r"post\.liked"):
        fact_record(event="post.liked", actor=anna, post=12)
    assert not Fact.objects.exists()
    assert queued == []


def test_notifications_subscribes_to_the_events_it_plans_for_with_its_task():
    from apps.facts.registry import subscriptions_to
    from apps.notifications.planning import PLANNERS

    for event in PLANNERS:
        assert [(s.consumer, s.task_name) for s in subscriptions_to(event)] == [("notifications", NOTIFICATIONS_TASK)]


def test_a_second_consumer_is_handed_its_facts(anna, search_consumer, queued, django_capture_on_commit_callbacks):
    """The pattern search indexing or webhooks will follow: subscribed in their app's ready,
    handed the facts they asked for, without the producer or the facts app knowing them."""
    with django_capture_on_commit_callbacks(execute=True):
        post_fact = fact_record(event="post.created", actor=anna, post=12)
        own_fact = fact_record(event="test.indexed", actor=None, post=12)
    assert queued == [(NOTIFICATIONS_TASK, post_fact.pk), ("tests.facts.index", own_fact.pk)]


def test_a_second_consumer_of_an_event_already_consumed_is_refused(search_consumer):
    """A fact has one processed mark: the second consumer would find it taken by the first
    and never process it. Refused at start, not lost quietly."""
    from django.core.exceptions import ImproperlyConfigured

    from apps.facts.registry import subscribe, subscriptions_to

    with pytest.raises(ImproperlyConfigured, match="notifications consumes them"):
        subscribe(consumer="webhooks", events={"post.created"}, task_name="tests.facts.index")
    with pytest.raises(ImproperlyConfigured, match="search consumes them"):
        subscribe(consumer="webhooks", events={"test.indexed"}, task_name="tests.facts.index")
    # A consumer subscribing again replaces its own subscription.
    subscribe(consumer="search", events={"test.indexed", "test.other"}, task_name="tests.facts.index")
    assert [s.consumer for s in subscriptions_to("test.other")] == ["search"]


def test_an_unsubscribed_consumers_event_is_refused_again(anna, search_consumer):
    from apps.facts.registry import unsubscribe

    fact_record(event="test.indexed", actor=anna)
    unsubscribe("search")
    with pytest.raises(ValueError):
        fact_record(event="test.indexed", actor=anna)
