from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.messaging import emails, services
from apps.messaging.models import Message
from apps.notifications.models import Channel, Kind
from apps.notifications.services import email_language_set, preferences_set

pytestmark = pytest.mark.django_db


def _age(message, minutes: int):
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_unread_message_is_emailed_after_the_delay_once(direct, anna, ben, settings):
    settings.MESSAGING_EMAIL_DELAY_MINUTES = 10
    message, _ = services.message_send(actor=anna, conversation=direct, body="Can you review the deck?")
    assert emails.send_unread() == 0  # too early
    _age(message, 11)
    assert emails.send_unread() == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [ben.email]
    assert "1 unread message" in sent.subject
    assert "Anna Martin: Can you review the deck?" in sent.body
    assert f"/messages/{direct.pk}/" in sent.body
    assert emails.send_unread() == 0  # never twice
    second, _ = services.message_send(actor=anna, conversation=direct, body="Ping")
    _age(second, 11)
    assert emails.send_unread() == 1
    # The new one is told; the count is of everything still unread.
    assert "Anna Martin: Ping" in mail.outbox[1].body and "2 unread messages" in mail.outbox[1].subject


def test_a_read_message_is_not_emailed(direct, anna, ben):
    message, _ = services.message_send(actor=anna, conversation=direct, body="seen it")
    services.conversation_read(actor=ben, conversation=direct, message_id=message.pk)
    _age(message, 60)
    assert emails.send_unread() == 0


def test_muted_conversation_and_preferences_are_respected(direct, group, anna, ben, chloe):
    services.conversation_mute(actor=ben, conversation=direct, muted=True)
    preferences_set(actor=chloe, channels={Kind.MESSAGE: Channel.IN_APP})
    for conversation in (direct, group):
        message, _ = services.message_send(actor=anna, conversation=conversation, body="hello")
        _age(message, 60)
    assert emails.send_unread() == 1  # Ben, for the group only
    assert mail.outbox[0].to == [ben.email]
    assert "Launch team" in mail.outbox[0].subject


def test_daily_choice_sends_at_most_one_a_day(direct, anna, ben):
    preferences_set(actor=ben, channels={Kind.MESSAGE: Channel.DAILY})
    first, _ = services.message_send(actor=anna, conversation=direct, body="one")
    _age(first, 60)
    assert emails.send_unread() == 1
    second, _ = services.message_send(actor=anna, conversation=direct, body="two")
    _age(second, 60)
    assert emails.send_unread() == 0
    assert emails.send_unread(now=timezone.now() + timedelta(days=1, minutes=1)) == 1


def test_a_former_participant_is_not_emailed_and_the_email_is_in_their_language(group, anna, ben, chloe):
    services.participant_remove(actor=anna, conversation=group, user=chloe)
    email_language_set(user=ben, language="fr")
    message, _ = services.message_send(actor=anna, conversation=group, body="secret plan")
    _age(message, 60)
    assert emails.send_unread() == 1
    assert mail.outbox[0].to == [ben.email]
    assert "message non lu" in mail.outbox[0].subject


def test_a_failed_send_is_tried_again(direct, anna, ben, monkeypatch):
    message, _ = services.message_send(actor=anna, conversation=direct, body="retry me")
    _age(message, 60)

    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(emails, "send_email", refuse)
    assert emails.send_unread() == 0
    monkeypatch.undo()
    assert emails.send_unread() == 1


def test_two_overlapping_runs_send_one_email(direct, anna, ben):
    message, _ = services.message_send(actor=anna, conversation=direct, body="only once")
    _age(message, 60)
    waiting = emails._waiting(timezone.now())  # what both runs saw
    assert emails._send_one(ben, waiting[ben.pk], channel=Channel.IMMEDIATE, now=timezone.now()) == 1
    assert emails._send_one(ben, waiting[ben.pk], channel=Channel.IMMEDIATE, now=timezone.now()) == 0
    assert len(mail.outbox) == 1


def test_someone_without_a_profile_is_emailed_and_does_not_stop_the_others(direct, anna, ben):
    from tests.factories import UserFactory

    admin_made = UserFactory(first_name="Root", last_name="Account")
    theirs = services.conversation_direct_open(actor=admin_made, other=anna)
    for conversation, sender in ((theirs, admin_made), (direct, anna)):
        message, _ = services.message_send(actor=sender, conversation=conversation, body="hello")
        _age(message, 60)
    assert emails.send_unread() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([anna.email, ben.email])
    assert any("Root Account: hello" in m.body for m in mail.outbox)
