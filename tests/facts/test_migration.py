"""Upgrading a database that has notifications' intents: each becomes a fact with the same
id (a task message queued before the upgrade names it), a pending one is still processed,
and no later fact reuses an intent's id (receipts are keyed by it)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("notifications", "0001_initial"), ("facts", None)]
AFTER = [("notifications", "0002_intents_become_facts")]


@pytest.mark.django_db(transaction=True)
def test_pending_intents_become_pending_facts_and_are_still_processed():
    from apps.facts.models import Fact
    from apps.facts.services import facts_sweep

    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        Intent = executor.loader.project_state(BEFORE[:1]).apps.get_model("notifications", "Intent")
        done = Intent.objects.create(event="post.created", data={"post": 1}, processed_at=timezone.now())
        pending = Intent.objects.create(event="membership.invited", data={"community": 7, "user": 8})
        pruned = Intent.objects.create(event="post.created", data={"post": 2}, processed_at=timezone.now())
        last_id = pruned.pk
        pruned.delete()  # the last id given is not always still there
        Intent.objects.filter(pk=pending.pk).update(created_at=timezone.now() - timedelta(minutes=5))

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        assert "notifications_intent" not in connection.introspection.table_names()
        with connection.cursor() as cursor:
            assert "fact_pending_idx" in connection.introspection.get_constraints(cursor, "facts_fact")
        facts = {fact.pk: fact for fact in Fact.objects.all()}
        assert sorted(facts) == [done.pk, pending.pk]
        assert facts[done.pk].processed_at is not None
        assert (facts[pending.pk].event, facts[pending.pk].data) == ("membership.invited", {"community": 7, "user": 8})
        assert list(Fact.objects.pending().values_list("pk", flat=True)) == [pending.pk]
        assert Fact.objects.create(event="post.created").pk > last_id
        # The sweep finds it through the partial index's condition and hands it to notifications.
        assert facts_sweep() == 1
        assert not Fact.objects.pending().filter(pk=pending.pk).exists()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_facts_go_back_to_intents_when_the_upgrade_is_undone():
    from apps.facts.models import Fact

    executor = MigrationExecutor(connection)
    try:
        fact = Fact.objects.create(event="post.created", data={"post": 3})
        executor.migrate(BEFORE)
        Intent = executor.loader.project_state(BEFORE[:1]).apps.get_model("notifications", "Intent")
        assert list(Intent.objects.values_list("pk", "event", "processed_at")) == [(fact.pk, "post.created", None)]
        assert Intent.objects.create(event="post.created").pk > fact.pk
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_undoing_notifications_alone_then_upgrading_again_keeps_each_fact_once():
    """`migrate notifications 0001` leaves the facts app applied: the way back moves the
    rows (the facts table is emptied), so the way forward meets no duplicate ids."""
    from apps.facts.models import Fact

    executor = MigrationExecutor(connection)
    try:
        fact = Fact.objects.create(event="post.created", data={"post": 4})
        executor.migrate([("notifications", "0001_initial")])
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM facts_fact")
            assert cursor.fetchone()[0] == 0
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        assert list(Fact.objects.values_list("pk", "event")) == [(fact.pk, "post.created")]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
