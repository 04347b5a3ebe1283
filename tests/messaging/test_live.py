"""Messages through the real ASGI application and Redis: what each participant's socket hears,
and what happens when Redis is down (the message is kept; the page catches up)."""

import asyncio
import time
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from apps.messaging import services
from apps.messaging.models import Message
from tests.messaging.conftest import person
from tests.notifications.test_redis_outage import own_redis  # noqa: F401 - the fixture
from tests.realtime.sockets import open_socket

pytestmark = pytest.mark.django_db(transaction=True)


def _pair():
    anna, ben = person("Anna Martin"), person("Ben Dubois")
    return anna, ben, services.conversation_direct_open(actor=anna, other=ben)


async def test_a_message_a_read_and_a_greeting_over_the_socket():
    anna, ben, direct = await sync_to_async(_pair)()
    anna_socket, _ = await open_socket(anna)
    ben_socket, _ = await open_socket(ben)
    client_id = str(uuid.uuid4())
    message, _ = await sync_to_async(services.message_send)(
        actor=anna, conversation=direct, body="Coffee at 3?", client_id=client_id
    )
    to_ben = await ben_socket.receive_json_from(timeout=5)
    to_anna = await anna_socket.receive_json_from(timeout=5)
    assert (to_ben["type"], to_ben["message"], to_ben["unread"], to_ben["conversation_unread"]) == (
        "message.new",
        message.pk,
        1,
        1,
    )
    assert "Coffee at 3?" in to_ben["html"] and "client_id" not in to_ben
    assert to_anna["client_id"] == client_id and to_anna["unread"] == 0

    # A tab opened now is greeted with the Messages count.
    _late, hello = await open_socket(ben)
    assert hello["messages_unread"] == 1

    await sync_to_async(services.conversation_read)(actor=ben, conversation=direct, message_id=message.pk)
    assert await anna_socket.receive_json_from(timeout=5) == {
        "type": "conversation.read",
        "conversation": direct.pk,
        "user": ben.pk,
        "message": message.pk,
    }
    mine = await ben_socket.receive_json_from(timeout=5)
    assert mine["type"] == "conversation.read" and mine["unread"] == 0
    for socket in (anna_socket, ben_socket, _late):
        await socket.disconnect()


def _send_over_http(user, conversation_id, body, client_id):
    client = Client()
    client.force_login(user)
    return client.post(
        f"/messages/{conversation_id}/send/", {"body": body, "client_id": client_id}, HTTP_X_REQUESTED_WITH="fetch"
    )


async def test_a_message_sent_while_redis_is_down_is_kept_and_found_after_reload(own_redis):  # noqa: F811
    anna, ben, direct = await sync_to_async(_pair)()
    own_redis.stop()
    started = time.monotonic()
    client_id = str(uuid.uuid4())
    response = await sync_to_async(_send_over_http)(anna, direct.pk, "Sent during the outage", client_id)
    assert response.status_code == 200 and "Sent during the outage" in response.content.decode()
    assert time.monotonic() - started < 8
    # The sender, unsure it went, presses Send again: still one message.
    again = await sync_to_async(_send_over_http)(anna, direct.pk, "Sent during the outage", client_id)
    assert again.status_code == 200
    assert await sync_to_async(Message.objects.filter(body="Sent during the outage").count)() == 1

    own_redis.start()
    socket, hello = await open_socket(ben)
    assert hello["messages_unread"] == 1
    page = await sync_to_async(_page_of)(ben, f"/messages/{direct.pk}/history/?after=0")
    assert "Sent during the outage" in page
    # Calls are skipped until the breaker's probe hears Redis again (within a second).
    await _breaker_closed(own_redis.url)
    await sync_to_async(services.message_send)(actor=anna, conversation=direct, body="Back online")
    event = await socket.receive_json_from(timeout=5)
    assert event["type"] == "message.new" and "Back online" in event["html"]
    await socket.disconnect()


def _page_of(user, url) -> str:
    client = Client()
    client.force_login(user)
    return client.get(url).content.decode()


async def _breaker_closed(url: str) -> None:
    from apps.core import circuit

    deadline = time.monotonic() + 10
    while circuit.breaker_for(url).is_open:
        assert time.monotonic() < deadline, "the breaker's probe never heard Redis again"
        await asyncio.sleep(0.05)
