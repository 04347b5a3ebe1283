import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.messaging import selectors, services
from apps.messaging.models import Conversation, Message, MessageAttachment, MessageKind, Participant
from tests.messaging.conftest import of_type, person

pytestmark = pytest.mark.django_db


def test_one_to_one_is_one_per_pair_whoever_opens_it(anna, ben):
    first = services.conversation_direct_open(actor=anna, other=ben)
    again = services.conversation_direct_open(actor=ben, other=anna)
    assert first.pk == again.pk
    assert Conversation.objects.filter(kind="direct").count() == 1
    assert sorted(Participant.objects.filter(conversation=first).values_list("user_id", flat=True)) == sorted(
        [anna.pk, ben.pk]
    )


def test_one_cannot_open_a_conversation_with_oneself_or_a_former_colleague(anna, ben):
    with pytest.raises(ValidationError):
        services.conversation_direct_open(actor=anna, other=anna)
    ben.is_active = False
    ben.save()
    with pytest.raises(ValidationError):
        services.conversation_direct_open(actor=anna, other=ben)


def test_writing_again_reopens_a_one_to_one_the_other_left(direct, anna, ben, django_capture_on_commit_callbacks):
    services.conversation_leave(actor=ben, conversation=direct)
    assert not Conversation.objects.visible_to(ben).filter(pk=direct.pk).exists()
    services.message_send(actor=anna, conversation=direct, body="Are you there?")
    assert Conversation.objects.visible_to(ben).filter(pk=direct.pk).exists()


def test_group_needs_a_name_a_colleague_and_respects_the_size_limit(anna, ben, settings):
    with pytest.raises(ValidationError):
        services.conversation_group_create(actor=anna, name="  ", people=[ben])
    with pytest.raises(ValidationError):
        services.conversation_group_create(actor=anna, name="Alone", people=[anna])
    settings.MESSAGING_GROUP_MAX_PARTICIPANTS = 3
    others = [person(f"Extra Person{i}") for i in range(3)]
    with pytest.raises(ValidationError, match="at most 3"):
        services.conversation_group_create(actor=anna, name="Too many", people=others)
    conversation = services.conversation_group_create(actor=anna, name="Just right", people=others[:2])
    with pytest.raises(ValidationError, match="at most 3"):
        services.participants_add(actor=anna, conversation=conversation, people=[ben])


def test_group_creation_is_told_in_its_history(group, anna):
    event = Message.objects.get(conversation=group)
    assert event.kind == MessageKind.EVENT
    assert event.data["event"] == "created"
    assert event.data["names"] == ["Ben Dubois", "Chloe Petit"]


def test_only_the_creator_manages_when_the_setting_says_so(group, anna, ben, chloe, outsider):
    services.conversation_who_manages_set(actor=anna, conversation=group, who_manages="creator")
    with pytest.raises(PermissionDenied):
        services.participants_add(actor=ben, conversation=group, people=[outsider])
    with pytest.raises(PermissionDenied):
        services.participant_remove(actor=ben, conversation=group, user=chloe)
    with pytest.raises(PermissionDenied):
        services.conversation_who_manages_set(actor=ben, conversation=group, who_manages="anyone")
    services.participants_add(actor=anna, conversation=group, people=[outsider])
    assert Conversation.objects.visible_to(outsider).filter(pk=group.pk).exists()


def test_any_participant_manages_by_default(group, ben, chloe, outsider):
    services.participants_add(actor=ben, conversation=group, people=[outsider])
    services.participant_remove(actor=ben, conversation=group, user=chloe)
    assert set(selectors.active_participant_ids(conversation_id=group.pk)) == {group.creator_id, ben.pk, outsider.pk}


def test_an_outsider_cannot_manage_or_write(group, outsider, chloe):
    with pytest.raises(PermissionDenied):
        services.participants_add(actor=outsider, conversation=group, people=[outsider])
    with pytest.raises(PermissionDenied):
        services.participant_remove(actor=outsider, conversation=group, user=chloe)
    with pytest.raises(PermissionDenied):
        services.message_send(actor=outsider, conversation=group, body="let me in")


def test_creator_leaving_a_group_only_they_managed_hands_it_to_everyone(group, anna, ben, outsider):
    services.conversation_who_manages_set(actor=anna, conversation=group, who_manages="creator")
    services.conversation_leave(actor=anna, conversation=group)
    group.refresh_from_db()
    assert group.who_manages == "anyone"
    services.participants_add(actor=ben, conversation=group, people=[outsider])


def test_a_removed_participant_reads_nothing_new_and_cannot_write(group, anna, chloe):
    services.message_send(actor=anna, conversation=group, body="before")
    services.participant_remove(actor=anna, conversation=group, user=chloe)
    services.message_send(actor=anna, conversation=group, body="after")
    assert not Message.objects.visible_to(chloe).exists()
    assert not Conversation.objects.visible_to(chloe).exists()
    with pytest.raises(PermissionDenied):
        services.message_send(actor=chloe, conversation=group, body="still here?")


def test_someone_added_back_starts_with_everything_read(group, anna, chloe):
    services.participant_remove(actor=anna, conversation=group, user=chloe)
    services.message_send(actor=anna, conversation=group, body="while you were away")
    services.participants_add(actor=anna, conversation=group, people=[chloe])
    assert selectors.unread_total(viewer=chloe) == 0


def test_send_renders_sanitised_markdown(direct, anna):
    message, created = services.message_send(
        actor=anna, conversation=direct, body="**bold** <script>alert(1)</script> [x](javascript:alert(1))"
    )
    assert created
    assert "<strong>bold</strong>" in message.body_html
    assert "<script>" not in message.body_html
    assert 'href="javascript' not in message.body_html


def test_an_empty_or_too_long_message_is_refused(direct, anna):
    with pytest.raises(ValidationError, match="Write a message"):
        services.message_send(actor=anna, conversation=direct, body="   ")
    with pytest.raises(ValidationError, match="at most 10000"):
        services.message_send(actor=anna, conversation=direct, body="x" * 10001)
    assert not Message.objects.filter(conversation=direct).exists()


def test_the_same_client_id_sent_twice_makes_one_message(direct, anna, sent, django_capture_on_commit_callbacks):
    client_id = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        first, created = services.message_send(actor=anna, conversation=direct, body="once", client_id=client_id)
    with django_capture_on_commit_callbacks(execute=True):
        again, created_again = services.message_send(actor=anna, conversation=direct, body="once", client_id=client_id)
    assert created and not created_again
    assert first.pk == again.pk
    assert Message.objects.filter(conversation=direct).count() == 1
    assert len(of_type(sent, "message.new")) == 2  # one event per participant, for one message


def test_a_client_id_of_another_conversation_is_refused(direct, group, anna):
    client_id = str(uuid.uuid4())
    services.message_send(actor=anna, conversation=direct, body="here", client_id=client_id)
    with pytest.raises(ValidationError):
        services.message_send(actor=anna, conversation=group, body="there", client_id=client_id)
    with pytest.raises(ValidationError):
        services.message_send(actor=anna, conversation=group, body="x", client_id="not-a-uuid")


def test_message_is_stored_before_it_is_broadcast(direct, anna, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.message_send(actor=anna, conversation=direct, body="stored first")
        assert Message.objects.filter(body="stored first").exists()
        assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert {group for group, _ in of_type(sent, "message.new")} == {
        f"user.{direct.creator_id}",
        *(f"user.{uid}" for uid in selectors.active_participant_ids(conversation_id=direct.pk)),
    }


def test_message_event_carries_each_recipients_counts(direct, anna, ben, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = services.message_send(actor=anna, conversation=direct, body="hello", client_id=str(uuid.uuid4()))
    by_group = dict(of_type(sent, "message.new"))
    to_ben, to_anna = by_group[f"user.{ben.pk}"], by_group[f"user.{anna.pk}"]
    assert (to_ben["unread"], to_ben["conversation_unread"]) == (1, 1)
    assert (to_anna["unread"], to_anna["conversation_unread"]) == (0, 0)
    assert "client_id" in to_anna and "client_id" not in to_ben
    assert "hello" in to_ben["html"] and f'id="m{message.pk}"' in to_ben["html"]


def test_reply_quotes_a_message_of_the_same_conversation_only(direct, group, anna):
    original, _ = services.message_send(actor=anna, conversation=direct, body="the plan")
    reply, _ = services.message_send(actor=anna, conversation=direct, body="agreed", reply_to_id=original.pk)
    assert reply.reply_to_id == original.pk
    elsewhere, _ = services.message_send(actor=anna, conversation=group, body="other")
    with pytest.raises(ValidationError):
        services.message_send(actor=anna, conversation=direct, body="x", reply_to_id=elsewhere.pk)


def test_edit_and_delete_are_the_authors_and_are_broadcast(direct, anna, ben, sent, django_capture_on_commit_callbacks):
    message, _ = services.message_send(actor=anna, conversation=direct, body="first draft")
    with pytest.raises(PermissionDenied):
        services.message_edit(actor=ben, message=message, body="hijacked")
    with pytest.raises(PermissionDenied):
        services.message_delete(actor=ben, message=message)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_edit(actor=anna, message=message, body="final text")
    updated = of_type(sent, "message.updated")
    assert {group for group, _ in updated} == {f"user.{anna.pk}", f"user.{ben.pk}"}
    assert all("final text" in payload["html"] and "edited" in payload["html"] for _, payload in updated)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_delete(actor=anna, message=message)
    message.refresh_from_db()
    assert message.deleted_at is not None and message.body == "" and message.search_text == ""
    deleted = of_type(sent, "message.updated")
    assert len(deleted) == 2
    assert all(
        "This message was deleted." in payload["html"] and "final text" not in payload["html"] for _, payload in deleted
    )
    with pytest.raises(ValidationError):
        services.message_edit(actor=anna, message=message, body="back from the dead")


def test_deleting_a_message_removes_its_files(direct, anna, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("notes.txt", b"secret notes", content_type="text/plain")
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = services.message_send(actor=anna, conversation=direct, body="", uploads=[upload])
    stored = message.attachments.get().file
    assert (tmp_path / stored).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_delete(actor=anna, message=message)
    assert not MessageAttachment.objects.filter(message=message).exists()
    assert not (tmp_path / stored).exists()


def test_an_oversized_or_forbidden_file_is_refused_and_nothing_is_stored(direct, anna, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="the limit is"):
        services.message_send(
            actor=anna, conversation=direct, body="big", uploads=[SimpleUploadedFile("big.txt", b"x" * 11)]
        )
    with pytest.raises(ValidationError, match="not accepted"):
        services.message_send(
            actor=anna, conversation=direct, body="exe", uploads=[SimpleUploadedFile("tool.exe", b"MZ")]
        )
    assert not Message.objects.filter(conversation=direct).exists()
    assert not any(tmp_path.iterdir())


def test_reactions_toggle_and_are_counted(direct, anna, ben):
    message, _ = services.message_send(actor=anna, conversation=direct, body="good news")
    services.message_react(actor=ben, message=message, kind="like")
    services.message_react(actor=anna, message=message, kind="like")
    message.refresh_from_db()
    assert message.reaction_counts == {"like": 2}
    services.message_react(actor=ben, message=message, kind="celebrate")
    services.message_react(actor=anna, message=message, kind="like")
    message.refresh_from_db()
    assert message.reaction_counts == {"celebrate": 1}
    with pytest.raises(ValidationError):
        services.message_react(actor=ben, message=message, kind="angry")


def test_read_receipts_move_forward_only_and_are_told_to_the_others(
    direct, anna, ben, sent, django_capture_on_commit_callbacks
):
    first, _ = services.message_send(actor=anna, conversation=direct, body="one")
    second, _ = services.message_send(actor=anna, conversation=direct, body="two")
    assert selectors.unread_total(viewer=ben) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.conversation_read(actor=ben, conversation=direct, message_id=second.pk) == second.pk
    assert selectors.unread_total(viewer=ben) == 0
    reads = dict(of_type(sent, "conversation.read"))
    assert reads[f"user.{anna.pk}"] == {
        "type": "conversation.read",
        "conversation": direct.pk,
        "user": ben.pk,
        "message": second.pk,
    }
    assert reads[f"user.{ben.pk}"]["unread"] == 0
    assert services.conversation_read(actor=ben, conversation=direct, message_id=first.pk) == second.pk


def test_reading_a_message_id_beyond_the_conversation_stops_at_its_last(direct, group, anna, ben):
    here, _ = services.message_send(actor=anna, conversation=direct, body="here")
    there, _ = services.message_send(actor=anna, conversation=group, body="there")
    assert services.conversation_read(actor=ben, conversation=direct, message_id=there.pk + 1000) == here.pk
    assert selectors.unread_counts(user_ids=[ben.pk], conversation_id=group.pk)[ben.pk] == (1, 1)


def test_muted_conversations_leave_the_badge_but_keep_their_count(group, anna, ben):
    services.message_send(actor=anna, conversation=group, body="noise")
    services.conversation_mute(actor=ben, conversation=group, muted=True)
    assert selectors.unread_total(viewer=ben) == 0
    row = next(r for r in selectors.conversation_list(viewer=ben)[0] if r.conversation.pk == group.pk)
    assert row.unread == 1 and row.muted


def test_events_are_not_unread(group, ben):
    assert selectors.unread_total(viewer=ben) == 0


def test_an_edit_or_reaction_racing_a_deletion_finds_it_deleted(direct, anna, ben):
    message, _ = services.message_send(actor=anna, conversation=direct, body="secret plan")
    stale = Message.objects.get(pk=message.pk)  # what the edit's page read before the deletion
    services.message_delete(actor=anna, message=message)
    with pytest.raises(ValidationError):
        services.message_edit(actor=anna, message=stale, body="secret plan v2")
    with pytest.raises(ValidationError):
        services.message_react(actor=ben, message=stale, kind="like")
    message.refresh_from_db()
    assert (message.body, message.search_text, message.reaction_counts) == ("", "", {})


def test_someone_without_a_profile_can_take_part(anna, client, sent, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    admin_made = UserFactory(first_name="Root", last_name="Account")
    with django_capture_on_commit_callbacks(execute=True):
        conversation = services.conversation_direct_open(actor=anna, other=admin_made)
        services.message_send(actor=admin_made, conversation=conversation, body="hello from root")
    assert any("Root Account" in payload["html"] for _, payload in of_type(sent, "message.new"))
    client.force_login(anna)
    assert client.get(f"/messages/{conversation.pk}/").status_code == 200
    assert client.get("/messages/").status_code == 200
    client.force_login(admin_made)
    assert client.get(f"/messages/{conversation.pk}/").status_code == 200
    assert client.get(f"/messages/{conversation.pk}/history/").status_code == 200


@pytest.mark.parametrize("size", [2, 20])
def test_sending_and_its_event_take_the_same_queries_however_many_people(
    anna, size, sent, django_assert_num_queries, django_capture_on_commit_callbacks
):
    people = [person(f"Member Number{i}") for i in range(size)]
    conversation = services.conversation_group_create(actor=anna, name="Big room", people=people)
    # (15: the readers' time zones are one query, whatever their number: apps/messaging/events.py.)
    with django_assert_num_queries(15), django_capture_on_commit_callbacks(execute=True):
        services.message_send(actor=anna, conversation=conversation, body="hello all", client_id=str(uuid.uuid4()))
    assert len(of_type(sent, "message.new")) == size + 1
