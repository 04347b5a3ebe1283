"""Facts whose consumers' tasks never ran (the broker was down when they were recorded) are
handed over by beat's sweep, "facts.sweep", to each consumer's task, run in the sweep."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.facts.models import Fact
from apps.facts.services import fact_record, facts_prune, facts_sweep
from apps.facts.tasks import sweep_task
from apps.feeds.services import post_create
from apps.notifications.models import Kind, Notification
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db


def aged(fact: Fact, seconds: int = 31) -> None:
    Fact.objects.filter(pk=fact.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_the_sweep_processes_a_fact_whose_task_never_ran(anna, bob, broker_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_create(actor=anna, community=None, body="Hello @bob.stone")
    fact = Fact.objects.get()
    assert facts_sweep() == 0  # too recent: its task may still be on its way
    assert fact.processed_at is None
    aged(fact)
    assert sweep_task.apply().get() == 1  # what beat runs every minute
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [(bob.pk, Kind.MENTION)]
    fact.refresh_from_db()
    assert fact.processed_at is not None
    assert facts_sweep(older_than=timedelta(0)) == 0
    assert Notification.objects.count() == 1


def test_the_sweep_hands_each_fact_to_its_consumer(anna, bob, search_consumer, broker_down):
    post_create(actor=anna, community=None, body="Hello @bob.stone")
    indexed = fact_record(event="test.indexed", actor=anna)
    assert facts_sweep(older_than=timedelta(0)) == 2
    assert search_consumer == [indexed.pk]
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_one_consumers_failure_does_not_stop_the_sweep(anna, bob, broker_down, monkeypatch):
    from apps.notifications import services

    post_create(actor=anna, community=None, body="Hello @bob.stone")
    post_create(actor=anna, community=None, body="Again, @bob.stone")
    first, _second = Fact.objects.order_by("pk")
    real = services.fact_process

    def fails_on_the_first(*, fact_id):
        if fact_id == first.pk:
            raise RuntimeError("planner broke")
        return real(fact_id=fact_id)

    monkeypatch.setattr(services, "fact_process", fails_on_the_first)
    assert facts_sweep(older_than=timedelta(0)) == 2
    assert list(Fact.objects.pending().values_list("pk", flat=True)) == [first.pk]  # tried again next time
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_a_fact_whose_consumer_is_gone_is_not_swept_forever(anna, search_consumer):
    from apps.facts.registry import unsubscribe

    fact = fact_record(event="test.indexed", actor=anna)
    unsubscribe("search")
    assert facts_sweep(older_than=timedelta(0)) == 0
    fact.refresh_from_db()
    assert fact.processed_at is not None


def test_processed_facts_are_pruned_after_a_week(anna):
    kept = Fact.objects.create(event="post.created", actor=anna)
    old = Fact.objects.create(event="post.created", actor=anna, processed_at=timezone.now() - timedelta(days=8))
    Fact.objects.create(event="post.created", actor=anna, processed_at=timezone.now())
    assert facts_prune() == 1
    assert not Fact.objects.filter(pk=old.pk).exists()
    assert Fact.objects.filter(pk=kept.pk).exists()


def test_beat_runs_the_facts_sweep_and_notifications_sweeps_its_emails():
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert {"facts.sweep", "facts.prune", "notifications.sweep", "notifications.prune"} <= scheduled
