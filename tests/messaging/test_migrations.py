"""The participation periods given to the conversations that existed before them: everyone
keeps reading what they read (the whole history while they take part), someone who left a
group keeps only what came before they left, and a left one-to-one stays whole."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

PERIODS = ("messaging", "0003_participation_periods")
BEFORE = import_module("apps.messaging.migrations.0003_participation_periods").Migration.dependencies


@pytest.fixture
def back_to_the_latest_schema(transactional_db):
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_participants_get_the_history_they_had(back_to_the_latest_schema):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    User = apps.get_model("accounts", "User")
    Conversation = apps.get_model("messaging", "Conversation")
    Participant = apps.get_model("messaging", "Participant")
    Message = apps.get_model("messaging", "Message")
    anna, ben, chloe = (
        User.objects.create(email=f"{name}@example.com", is_active=True) for name in ("anna", "ben", "chloe")
    )
    now = timezone.now()
    group = Conversation.objects.create(kind="group", name="Old group")
    direct = Conversation.objects.create(kind="direct", pair_key=f"{anna.pk}:{ben.pk}")
    first = Message.objects.create(conversation=group, sender=anna, body="before Chloé left")
    Message.objects.filter(pk=first.pk).update(created_at=now - timedelta(hours=2))
    later = Message.objects.create(conversation=group, sender=anna, body="after Chloé left")
    edited = Message.objects.create(conversation=direct, sender=anna, body="hi", edited_at=now + timedelta(minutes=1))
    rows = {
        "anna": Participant.objects.create(conversation=group, user=anna),
        "chloe": Participant.objects.create(conversation=group, user=chloe, left_at=now - timedelta(hours=1)),
        "ben": Participant.objects.create(conversation=direct, user=ben, left_at=now - timedelta(hours=1)),
    }

    executor = MigrationExecutor(connection)
    executor.migrate([PERIODS])
    apps = executor.loader.project_state([PERIODS]).apps
    Period = apps.get_model("messaging", "ParticipationPeriod")
    periods = {
        name: list(Period.objects.filter(participant_id=row.pk).values_list("first_message_id", "last_message_id"))
        for name, row in rows.items()
    }
    assert periods == {"anna": [(0, None)], "chloe": [(0, first.pk)], "ben": [(0, None)]}
    assert later.pk > first.pk
    updated = apps.get_model("messaging", "Message").objects.get(pk=edited.pk)
    assert updated.updated_at == edited.edited_at


def test_people_added_back_before_the_upgrade_lose_the_gaps_their_events_tell(back_to_the_latest_schema):
    """The groups' events, as the code before periods wrote them, are replayed: someone removed
    or gone and added back reads neither gap; someone new kept the whole history (as before);
    someone the events do not name keeps everything."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    User = apps.get_model("accounts", "User")
    Conversation = apps.get_model("messaging", "Conversation")
    Participant = apps.get_model("messaging", "Participant")
    Message = apps.get_model("messaging", "Message")
    anna, ben, chloe, dave, erin, fred = (
        User.objects.create(email=f"{name}@example.com", is_active=True)
        for name in ("anna", "ben", "chloe", "dave", "erin", "fred")
    )
    group = Conversation.objects.create(kind="group", name="Old group", creator=anna)

    def say(sender, body):
        return Message.objects.create(conversation=group, sender=sender, body=body)

    def event(sender, **data):
        return Message.objects.create(conversation=group, sender=sender, kind="event", data=data)

    event(anna, event="created", name="Old group", users=[ben.pk, chloe.pk, fred.pk], names=["Ben", "Chloé", "Fred"])
    first = say(anna, "first")
    ben_out = event(anna, event="removed", users=[ben.pk], names=["Ben"])
    event(anna, event="removed", users=[fred.pk], names=["Fred"])
    say(anna, "while Ben is out")
    ben_back = event(anna, event="added", users=[ben.pk, dave.pk], names=["Ben", "Dave"])
    second = say(ben, "second")
    event(chloe, event="left")
    say(anna, "while Chloé is out")
    event(anna, event="renamed", name="Still old")
    chloe_back = event(ben, event="added", users=[chloe.pk], names=["Chloé"])
    third = say(chloe, "third")
    event(anna, event="removed", users=[dave.pk], names=["Dave"])
    now = timezone.now()
    rows = {
        "anna": Participant.objects.create(conversation=group, user=anna),
        "ben": Participant.objects.create(conversation=group, user=ben),
        "chloe": Participant.objects.create(conversation=group, user=chloe),
        "dave": Participant.objects.create(conversation=group, user=dave, left_at=now),
        "erin": Participant.objects.create(conversation=group, user=erin),
        # In now, though no event says Fred came back: nothing from before he did.
        "fred": Participant.objects.create(conversation=group, user=fred),
    }
    Participant.objects.filter(pk=rows["fred"].pk).update(joined_at=now + timedelta(minutes=1))

    executor = MigrationExecutor(connection)
    executor.migrate([PERIODS])
    apps = executor.loader.project_state([PERIODS]).apps
    Period = apps.get_model("messaging", "ParticipationPeriod")
    periods = {
        name: list(
            Period.objects.filter(participant_id=row.pk)
            .order_by("first_message_id")
            .values_list("first_message_id", "last_message_id")
        )
        for name, row in rows.items()
    }
    latest = Message.objects.filter(conversation_id=group.pk).latest("id").pk
    assert periods == {
        "anna": [(0, None)],
        "ben": [(0, first.pk), (ben_back.pk, None)],
        "chloe": [(0, second.pk), (chloe_back.pk, None)],
        "dave": [(0, third.pk)],
        "erin": [(0, None)],
        "fred": [(0, ben_out.pk), (latest + 1, None)],
    }


def test_existing_messages_and_communities_are_found_by_their_joined_up_words(back_to_the_latest_schema):
    before = [("messaging", "0003_participation_periods"), ("communities", "0002_private_addresses")]
    after = [("messaging", "0004_search_text_joined_words"), ("communities", "0003_search_text_joined_words")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    anna = apps.get_model("accounts", "User").objects.create(email="anna@example.com", is_active=True)
    group = apps.get_model("messaging", "Conversation").objects.create(kind="group", name="Old group")
    message = apps.get_model("messaging", "Message").objects.create(
        conversation=group, sender=anna, body="Ask O'Brien", search_text="ask o'brien"
    )
    community = apps.get_model("communities", "Community").objects.create(
        name="Jean-Pierre's club", slug="jean-pierres-club", search_text="jean-pierre's club"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    assert "obrien" in apps.get_model("messaging", "Message").objects.get(pk=message.pk).search_text.split()
    assert "jeanpierres" in apps.get_model("communities", "Community").objects.get(pk=community.pk).search_text.split()
