"""Whoever adds someone to a group hands on at most the history they read themselves.

The history chosen (none, the last N days, all) is cut to the adder's own periods: a gap in
the adder's history (they were removed, or left, and came back) stays a gap for the newcomer,
and so does what came before the adder joined, if they were not given it. Someone added back
keeps their own rule (their earlier periods, and from now on), whoever adds them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.messaging import services
from apps.messaging.models import Message, MessageKind, Participant, SharedHistory
from tests.messaging.conftest import person

pytestmark = pytest.mark.django_db


def _readable(user, conversation) -> set[int]:
    return set(Message.objects.visible_to(user).filter(conversation=conversation).values_list("pk", flat=True))


def _texts(user, conversation) -> set[str]:
    return set(
        Message.objects.visible_to(user)
        .filter(conversation=conversation, kind=MessageKind.TEXT)
        .values_list("body", flat=True)
    )


def _age(message, days: float) -> None:
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def dave(db):
    return person("Dave Ally")


@pytest.fixture
def ben_away_twice(anna, ben, chloe, group):
    """Ben's history in Anna's group has two gaps: removed once, gone once, and each time
    added back with "all history" chosen. The messages are dated 10, 8, 5, 2 days ago and today."""
    one, _ = services.message_send(actor=anna, conversation=group, body="one")
    services.participant_remove(actor=anna, conversation=group, user=ben)
    gap_one, _ = services.message_send(actor=anna, conversation=group, body="gap one")
    services.participants_add(actor=anna, conversation=group, people=[ben], history=SharedHistory.ALL)
    two, _ = services.message_send(actor=chloe, conversation=group, body="two")
    services.conversation_leave(actor=ben, conversation=group)
    gap_two, _ = services.message_send(actor=anna, conversation=group, body="gap two")
    services.participants_add(actor=chloe, conversation=group, people=[ben], history=SharedHistory.ALL)
    services.message_send(actor=anna, conversation=group, body="three")
    for message, days in ((one, 10), (gap_one, 8), (two, 5), (gap_two, 2)):
        _age(message, days)
    assert _texts(ben, group) == {"one", "two", "three"}
    return group


@pytest.mark.parametrize(
    ("choice", "given"),
    [
        ({"history": SharedHistory.ALL}, {"one", "two", "three"}),
        ({"history": SharedHistory.DAYS, "days": 9}, {"two", "three"}),
        ({"history": SharedHistory.DAYS, "days": 3}, {"three"}),
        ({"history": SharedHistory.NONE}, set()),
    ],
)
def test_the_gaps_of_whoever_adds_someone_stay_gaps(ben_away_twice, anna, ben, dave, choice, given):
    group = ben_away_twice
    before = _readable(ben, group)
    latest = max(Message.objects.filter(conversation=group).values_list("pk", flat=True))
    services.participants_add(actor=ben, conversation=group, people=[dave], **choice)
    assert _texts(dave, group) == given
    # Nothing of the history that Ben does not read, not even the events of his gaps.
    assert {pk for pk in _readable(dave, group) if pk <= latest} <= before
    # From now on they both read everything.
    after, _ = services.message_send(actor=anna, conversation=group, body="after")
    assert after.pk in _readable(dave, group) and after.pk in _readable(ben, group)


def test_a_newcomer_given_no_history_hands_on_none(anna, ben, chloe, dave):
    group = services.conversation_group_create(actor=anna, name="Budget", people=[ben])
    services.message_send(actor=anna, conversation=group, body="before Chloé")
    services.participants_add(actor=anna, conversation=group, people=[chloe], history=SharedHistory.NONE)
    services.message_send(actor=ben, conversation=group, body="with Chloé")
    services.participants_add(actor=chloe, conversation=group, people=[dave], history=SharedHistory.ALL)
    assert _texts(dave, group) == {"with Chloé"}
    assert _readable(dave, group) <= _readable(chloe, group)


def test_a_newcomer_given_recent_days_hands_on_those_at_most(anna, ben, chloe, dave):
    group = services.conversation_group_create(actor=anna, name="Budget", people=[ben])
    old, _ = services.message_send(actor=anna, conversation=group, body="old")
    recent, _ = services.message_send(actor=anna, conversation=group, body="recent")
    _age(old, 10)
    _age(recent, 2)
    services.participants_add(actor=anna, conversation=group, people=[chloe], history=SharedHistory.DAYS, days=3)
    services.participants_add(actor=chloe, conversation=group, people=[dave], history=SharedHistory.ALL)
    assert _texts(chloe, group) == _texts(dave, group) == {"recent"}
    # One period: what Chloé read and everything from now on, with nothing in between.
    periods = Participant.objects.get(conversation=group, user=dave).periods
    assert list(periods.values_list("last_message_id", flat=True)) == [None]


def test_someone_added_back_keeps_their_own_rule_whoever_adds_them(anna, ben, chloe, group):
    """Anna reads everything; Ben, added back by her with "all", still reads nothing of his gap."""
    first, _ = services.message_send(actor=anna, conversation=group, body="first stay")
    services.participant_remove(actor=anna, conversation=group, user=ben)
    services.message_send(actor=anna, conversation=group, body="gap")
    services.participants_add(actor=anna, conversation=group, people=[ben], history=SharedHistory.ALL)
    assert _texts(ben, group) == {"first stay"}
    assert first.pk in _readable(ben, group)
