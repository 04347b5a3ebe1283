"""Who reads a conversation: its participants, and nobody else. Every messaging route and the
WebSocket, for a participant, a former participant (removed, and departed), an outsider and a
site administrator; a canary in a message body and in an attachment's name must never reach
anyone but the participants."""

import io

import pytest
from asgiref.sync import sync_to_async
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from apps.messaging import services
from apps.messaging.models import Message
from tests.messaging.conftest import CANARY, person
from tests.realtime.sockets import open_socket

ROLES = ("participant", "removed", "departed", "outsider", "site_admin")


def _image(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    people = {role: person(f"Role {role.replace('_', '').capitalize()}") for role in ROLES}
    people["author"] = person("Ada Author")
    admin_user = people["site_admin"]
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    author = people["author"]
    conversation = services.conversation_group_create(
        actor=author, name="Quarterly figures", people=[people["participant"], people["removed"], people["departed"]]
    )
    services.participant_remove(actor=author, conversation=conversation, user=people["removed"])
    services.conversation_leave(actor=people["departed"], conversation=conversation)
    message, _ = services.message_send(
        actor=author,
        conversation=conversation,
        body=f"Results leak: {CANARY}",
        uploads=[SimpleUploadedFile(f"{CANARY}.txt", b"numbers"), _image(f"{CANARY}-chart.png")],
    )
    spare, _ = services.message_send(actor=author, conversation=conversation, body="to react to")
    files = {a.is_image: a for a in message.attachments.all()}
    return people, conversation, message, spare, files[False], files[True]


def _gets(conversation, message, file, image):
    return [
        reverse("messaging:conversation", args=[conversation.pk]),
        reverse("messaging:history", args=[conversation.pk]),
        reverse("messaging:history", args=[conversation.pk]) + "?after=0",
        reverse("messaging:settings", args=[conversation.pk]),
        reverse("messaging:message", args=[message.pk]),
        reverse("messaging:attachment", args=[file.pk, file.name]),
        reverse("messaging:attachment", args=[image.pk, image.name]),
        reverse("messaging:attachment_thumbnail", args=[image.pk]),
    ]


def _posts(conversation, spare):
    return [
        (reverse("messaging:send", args=[conversation.pk]), {"body": "intruder"}),
        (reverse("messaging:read", args=[conversation.pk]), {"message": spare.pk}),
        (reverse("messaging:settings", args=[conversation.pk]), {"action": "mute", "muted": "1"}),
        (reverse("messaging:settings", args=[conversation.pk]), {"action": "rename", "name": "Hijacked"}),
        (reverse("messaging:message_react", args=[spare.pk]), {"kind": "like"}),
        (reverse("messaging:message_edit", args=[spare.pk]), {"body": "rewritten"}),
        (reverse("messaging:message_delete", args=[spare.pk]), {}),
    ]


def _body(response) -> bytes:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(client, role, settings, tmp_path):
    people, conversation, message, spare, file, image = _world(settings, tmp_path)
    client.force_login(people[role])
    allowed = role == "participant"
    for url in _gets(conversation, message, file, image):
        response = client.get(url)
        assert response.status_code == (200 if allowed else 404), f"{role} GET {url}"
        if not allowed:
            assert CANARY.encode() not in _body(response)
    # The lists every employee reaches: the canary only in a participant's.
    for url in (
        reverse("messaging:index"),
        reverse("messaging:list"),
        reverse("messaging:search") + f"?q={CANARY}",
        reverse("messaging:unread"),
        reverse("home"),
        reverse("notifications:index"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        # (The search page repeats the words searched for: the message's own text is the test.)
        assert (b"Results leak" in response.content) == (allowed and "search" in url), f"{role} GET {url}"
        if "search" not in url:
            assert (CANARY.encode() in response.content) is False, f"{role} GET {url}"
    if not allowed:
        for url, data in _posts(conversation, spare):
            assert client.post(url, data).status_code == 404, f"{role} POST {url}"
        spare.refresh_from_db()
        conversation.refresh_from_db()
        assert (spare.body, spare.reaction_counts, spare.deleted_at) == ("to react to", {}, None)
        assert conversation.name == "Quarterly figures"
        assert not Message.objects.filter(body="intruder").exists()


@pytest.mark.django_db
def test_the_participant_reads_the_canary(client, settings, tmp_path):
    people, conversation, _message, _spare, file, _image = _world(settings, tmp_path)
    client.force_login(people["participant"])
    assert CANARY in client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    download = client.get(reverse("messaging:attachment", args=[file.pk, file.name]))
    assert CANARY in download["Content-Disposition"] and b"".join(download.streaming_content) == b"numbers"
    assert f"Results leak: {CANARY}".encode() in client.get(reverse("messaging:search") + f"?q={CANARY}").content


def test_no_admin_page_shows_messages():
    from apps.messaging import models

    registered = {model for model in admin.site._registry if model._meta.app_label == "messaging"}
    assert registered == set(), "message bodies must not be readable in the admin"
    assert models.Message not in admin.site._registry


@pytest.mark.django_db(transaction=True)
async def test_only_participants_sockets_hear_a_conversation(settings, tmp_path):
    people, conversation, _message, _spare, _file, _image = await sync_to_async(_world)(settings, tmp_path)
    sockets = {}
    for role in (*ROLES, "author"):
        sockets[role], hello = await open_socket(people[role])
        assert hello["type"] == "hello"
    await sync_to_async(services.message_send)(actor=people["author"], conversation=conversation, body=f"live {CANARY}")
    for role in ("participant", "author"):
        event = await sockets[role].receive_json_from(timeout=5)
        assert event["type"] == "message.new" and CANARY in event["html"]
    for role in ("removed", "departed", "outsider", "site_admin"):
        assert await sockets[role].receive_nothing(timeout=0.3), role

    # Typing: relayed to the other participants only, and not at all from someone outside.
    await sockets["outsider"].send_json_to({"type": "typing", "conversation": conversation.pk})
    await sockets["removed"].send_json_to({"type": "typing", "conversation": conversation.pk})
    assert await sockets["participant"].receive_nothing(timeout=0.5)
    await sockets["author"].send_json_to({"type": "typing", "conversation": conversation.pk})
    typing = await sockets["participant"].receive_json_from(timeout=5)
    assert typing == {
        "type": "typing",
        "conversation": conversation.pk,
        "user": people["author"].pk,
        "name": "Ada Author",
    }
    for role in ("author", "removed", "departed", "outsider", "site_admin"):
        assert await sockets[role].receive_nothing(timeout=0.2), role

    # Removed now: the next message does not reach them; they learn only that they are out.
    await sync_to_async(services.participant_remove)(
        actor=people["author"], conversation=conversation, user=people["participant"]
    )
    seen = []
    while not await sockets["participant"].receive_nothing(timeout=0.5):
        seen.append(await sockets["participant"].receive_json_from(timeout=1))
    assert {"type": "conversation.changed", "conversation": conversation.pk, "removed": True} in seen
    assert all(CANARY not in str(event) for event in seen)
    await sync_to_async(services.message_send)(
        actor=people["author"], conversation=conversation, body=f"after {CANARY}"
    )
    assert await sockets["participant"].receive_nothing(timeout=0.5)
    for communicator in sockets.values():
        await communicator.disconnect()
