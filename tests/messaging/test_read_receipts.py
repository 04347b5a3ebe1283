"""Read receipts never claim that someone saw a message they cannot read.

"Seen by X" shows under a message that both X and the viewer read, on every path that places
it: the conversation page, the live "read" event (after reading, and after muting, which
repeats it), and a new message's event (whoever writes has read what came before). A stored
last-read position inside a gap (written by the code before periods existed) changes nothing."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.messaging import services
from apps.messaging.models import Message, Participant, SharedHistory
from tests.messaging.conftest import of_type

pytestmark = pytest.mark.django_db


def _reads(viewer, conversation) -> dict[int, int]:
    client = Client()
    client.force_login(viewer)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk]))
    return {int(uid): value["read"] for uid, value in json.loads(page.context["reads"]).items()}


def _data_read(viewer, conversation) -> int:
    """Where the viewer's page says their reading starts."""
    client = Client()
    client.force_login(viewer)
    html = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    return int(re.search(r'data-read="(\d+)"', html).group(1))


@pytest.fixture(params=["now", "stored in the gap"])
def returned(request, anna, ben, chloe, group):
    """Ben was removed, a message was sent, he was added back with "all history". His last
    read position is as the service writes it, or (as the code before periods left it, and
    the migration may) the gap's last message."""
    before, _ = services.message_send(actor=anna, conversation=group, body="before")
    services.participant_remove(actor=anna, conversation=group, user=ben)
    gap, _ = services.message_send(actor=anna, conversation=group, body="gap")
    services.participants_add(actor=anna, conversation=group, people=[ben], history=SharedHistory.ALL)
    if request.param != "now":
        Participant.objects.filter(conversation=group, user=ben).update(last_read_id=gap.pk)
    gap_ids = set(
        Message.objects.filter(conversation=group, id__gt=before.pk)
        .exclude(data__event="added")
        .values_list("pk", flat=True)
    )
    return {"before": before, "gap": gap, "gap_ids": gap_ids}


def test_the_page_does_not_say_someone_back_saw_their_gap(returned, anna, ben, chloe, group):
    for viewer in (anna, chloe):
        assert _reads(viewer, group)[ben.pk] == returned["before"].pk


def test_the_page_does_not_say_a_newcomer_saw_history_they_were_not_given(anna, ben, chloe):
    group = services.conversation_group_create(actor=anna, name="Budget", people=[ben])
    secret, _ = services.message_send(actor=anna, conversation=group, body="before Chloé")
    services.participants_add(actor=anna, conversation=group, people=[chloe], history=SharedHistory.NONE)
    assert _reads(ben, group)[chloe.pk] == 0
    assert _reads(anna, group)[chloe.pk] == 0
    # Her own page starts before what she was not given, too.
    assert _data_read(chloe, group) < secret.pk


def test_the_page_of_someone_back_starts_at_a_message_they_read(returned, ben, group):
    position = _data_read(ben, group)
    assert position not in returned["gap_ids"]
    assert position == 0 or Message.objects.visible_to(ben).filter(pk=position).exists()
    # Reading says which message they read last: one of theirs.
    assert (
        services.conversation_read(actor=ben, conversation=group, message_id=returned["gap"].pk)
        not in (returned["gap_ids"])
    )


def test_muting_does_not_tell_the_others_of_the_gap(
    returned, anna, ben, chloe, group, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_mute(actor=ben, conversation=group, muted=True)
    receipts = dict(of_type(sent, "conversation.read"))
    assert receipts[f"user.{chloe.pk}"]["message"] == returned["before"].pk
    assert receipts[f"user.{anna.pk}"]["message"] == returned["before"].pk
    assert receipts[f"user.{ben.pk}"]["message"] not in returned["gap_ids"]


@pytest.mark.parametrize("stored", ["now", "stored in the history not given"])
def test_muting_does_not_tell_the_others_of_history_not_given(
    anna, ben, chloe, sent, django_capture_on_commit_callbacks, stored
):
    group = services.conversation_group_create(actor=anna, name="Budget", people=[ben])
    secret, _ = services.message_send(actor=anna, conversation=group, body="before Chloé")
    services.participants_add(actor=anna, conversation=group, people=[chloe], history=SharedHistory.NONE)
    if stored != "now":
        Participant.objects.filter(conversation=group, user=chloe).update(last_read_id=secret.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_mute(actor=chloe, conversation=group, muted=True)
    receipts = dict(of_type(sent, "conversation.read"))
    # She has read nothing that Ben or Anna could see her under: they are told nothing.
    assert f"user.{ben.pk}" not in receipts and f"user.{anna.pk}" not in receipts
    assert receipts[f"user.{chloe.pk}"]["message"] != secret.pk


def test_reading_everything_tells_the_others_of_a_message_read_not_of_the_gap(
    returned, anna, ben, chloe, group, sent, django_capture_on_commit_callbacks
):
    """Ben's last message is the event of his return, which Chloé reads too: her page would
    look for the message before it, in his gap. She is told of the last one he read."""
    latest = Message.objects.filter(conversation=group).latest("id")
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_read(actor=ben, conversation=group, message_id=latest.pk)
    receipts = dict(of_type(sent, "conversation.read"))
    assert receipts[f"user.{chloe.pk}"]["message"] == returned["before"].pk
    assert receipts[f"user.{anna.pk}"]["message"] == returned["before"].pk


def test_a_message_from_someone_back_moves_their_receipt_to_what_they_read(
    returned, anna, ben, chloe, group, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(actor=ben, conversation=group, body="hi again")
    events = dict(of_type(sent, "message.new"))
    assert events[f"user.{chloe.pk}"]["seen"] == returned["before"].pk
    assert events[f"user.{anna.pk}"]["seen"] == returned["before"].pk


def test_a_message_from_a_newcomer_moves_their_receipt_nowhere_before_them(
    anna, ben, chloe, sent, django_capture_on_commit_callbacks
):
    group = services.conversation_group_create(actor=anna, name="Budget", people=[ben])
    services.message_send(actor=anna, conversation=group, body="before Chloé")
    services.participants_add(actor=anna, conversation=group, people=[chloe], history=SharedHistory.NONE)
    welcome, _ = services.message_send(actor=ben, conversation=group, body="welcome")
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(actor=chloe, conversation=group, body="thanks")
    events = dict(of_type(sent, "message.new"))
    assert events[f"user.{ben.pk}"]["seen"] == welcome.pk
    assert events[f"user.{anna.pk}"]["seen"] == welcome.pk


def test_receipts_sit_under_the_others_messages_as_before(direct, anna, ben, sent, django_capture_on_commit_callbacks):
    """Without periods in play, nothing moves: the last message read of the others'."""
    first, _ = services.message_send(actor=anna, conversation=direct, body="one")
    with django_capture_on_commit_callbacks(execute=True):
        reply, _ = services.message_send(actor=ben, conversation=direct, body="two")
    assert dict(of_type(sent, "message.new"))[f"user.{anna.pk}"]["seen"] == first.pk
    services.conversation_read(actor=anna, conversation=direct, message_id=reply.pk)
    assert _reads(ben, direct)[anna.pk] == reply.pk
    assert _reads(anna, direct)[ben.pk] == first.pk
