"""A process notices that its channel layer is lost (Redis hung or killed), tells its
sockets, and closes them with CLOSE_RESYNC once Redis answers again, so that their pages
reconnect, join their groups afresh and catch up (apps/realtime/layer_watch.py). Real
sockets through the real application, on a Redis of the test's own that it pauses
(SIGSTOP) or kills and starts again empty, with either channel layer."""

import asyncio
import copy
import time

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import override_settings

from apps.core.broadcast import FORWARD
from apps.realtime import layer_watch
from tests.factories import UserFactory
from tests.faults.stack import dedicated_redis
from tests.realtime.sockets import ORIGIN, connect, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

RESYNC = {"type": "websocket.close", "code": layer_watch.CLOSE_RESYNC}


@pytest.fixture(autouse=True)
def quick_heartbeat(monkeypatch):
    # A heartbeat every 0.5 s, answered within 1 s: a loss is noticed within 1.5 s here.
    monkeypatch.setattr(layer_watch, "HEARTBEAT_SECONDS", 0.5)
    monkeypatch.setattr(layer_watch, "ANSWER_SECONDS", 1.0)
    monkeypatch.setattr(layer_watch, "RETRY_SECONDS", 0.3)


@pytest.fixture(params=["pubsub", "redis"])
def layer_on_own_redis(request):
    """The channel layers on a Redis of the test's own, with the deployed options."""
    with dedicated_redis() as server:
        layers = copy.deepcopy(settings.CHANNEL_LAYERS)
        for layer in layers.values():
            layer["BACKEND"] = settings.CHANNEL_LAYER_BACKENDS[request.param]
            for host in layer["CONFIG"]["hosts"]:
                host["address"] = server.url
        with override_settings(CHANNEL_LAYERS=layers):
            yield server


_opened: list = []


@pytest.fixture(autouse=True)
async def sockets_ended():
    """Every socket's application ends with its test (its database connection with it)."""
    yield
    while _opened:
        await _opened.pop().disconnect()


async def _socket(user):
    cookie = await database_sync_to_async(session_cookie)(user)
    communicator, connected, _ = await connect([(b"origin", ORIGIN), (b"cookie", cookie)])
    _opened.append(communicator)
    assert connected
    return communicator


async def _greeted_socket(user):
    communicator = await _socket(user)
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return communicator


async def _reconnected(user):
    """A socket greeted by a process whose layer answers, as the page gets one: told the
    layer is lost (the process has not noticed its return yet), it waits for CLOSE_RESYNC."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        communicator = await _socket(user)
        first = await communicator.receive_json_from(timeout=5)
        if first["type"] == "hello":
            return communicator
        assert first["type"] == "layer.lost", first
        assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
        assert await communicator.receive_output(timeout=10) == RESYNC
    raise AssertionError("never greeted by a process whose layer answers")


async def _hears(communicator, user_id: int, text: str) -> bool:
    group = f"user.{user_id}"
    event = {"type": "test.event", "text": text}
    await get_channel_layer().group_send(group, {"type": FORWARD, "group": group, "event": event})
    return await communicator.receive_json_from(timeout=5) == event


async def _output_within(communicator, seconds: float) -> tuple[dict, float]:
    started = time.monotonic()
    output = await communicator.receive_output(timeout=seconds)
    return output, time.monotonic() - started


def _told_lost(output: dict) -> int:
    """The `since` of a layer.lost event (how many ms events may have been dropped)."""
    import json

    assert output["type"] == "websocket.send", output
    event = json.loads(output["text"])
    assert event["type"] == "layer.lost", event
    return event["since"]


async def _restore(server, fault: str) -> None:
    if fault == "pause":
        server.resume()
    else:
        await asyncio.to_thread(server.start)


def _break(server, fault: str) -> None:
    if fault == "pause":
        server.pause()
    else:
        server.kill()


@pytest.mark.parametrize("fault", ["pause", "kill"])
async def test_a_lost_layer_is_told_at_once_and_its_sockets_resynchronise_when_it_is_back(layer_on_own_redis, fault):
    server = layer_on_own_redis
    user = await database_sync_to_async(UserFactory)()
    socket = await _greeted_socket(user)
    assert await _hears(socket, user.pk, "before")

    _break(server, fault)
    output, waited = await _output_within(socket, 5)
    # Within a heartbeat and its answer's wait (here 0.5 + 1 s), and a margin.
    assert _told_lost(output) >= 0 and waited < 3, waited
    # Open meanwhile, and answering its page's pings: the page is told, not dropped.
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}

    await _restore(server, fault)
    output, waited = await _output_within(socket, 10)
    assert output == RESYNC and waited < 5, (output, waited)

    # The page reconnects: its groups are joined afresh (a Redis started again empty has
    # forgotten them with the lists layer) and it hears its events again.
    again = await _reconnected(user)
    assert await _hears(again, user.pk, "after")
    await again.disconnect()


async def test_a_socket_that_connects_while_the_layer_is_lost_is_greeted_told_and_resynchronised(layer_on_own_redis):
    server = layer_on_own_redis
    user = await database_sync_to_async(UserFactory)()
    first = await _greeted_socket(user)
    server.kill()
    _told_lost((await _output_within(first, 5))[0])

    # It does not touch Redis: told first (the page does not say "connected"), then greeted.
    late = await _socket(user)
    _told_lost(await late.receive_output(timeout=5))
    assert (await late.receive_json_from(timeout=5))["type"] == "hello"
    await late.send_json_to({"type": "follow", "community": 1})  # nothing asked of Redis

    await asyncio.to_thread(server.start)
    assert (await first.receive_output(timeout=10)) == RESYNC
    assert (await late.receive_output(timeout=10)) == RESYNC
    again = await _reconnected(user)
    assert await _hears(again, user.pk, "after")
    await again.disconnect()


async def test_a_socket_that_cannot_join_its_groups_is_closed_for_its_page_to_retry(layer_on_own_redis):
    """Redis died before any socket of the process could notice: connecting fails cleanly
    (closed with 1011; the page retries with its backoff), the process carries on."""
    server = layer_on_own_redis
    user = await database_sync_to_async(UserFactory)()
    server.kill()
    communicator = await _socket(user)
    assert await communicator.receive_output(timeout=10) == {"type": "websocket.close", "code": 1011}
    await asyncio.to_thread(server.start)
    again = await _reconnected(user)
    assert await _hears(again, user.pk, "after")
    await again.disconnect()


async def test_a_layer_that_answers_leaves_its_sockets_alone(layer_on_own_redis):
    user = await database_sync_to_async(UserFactory)()
    socket = await _greeted_socket(user)
    # Several heartbeats go by: nothing is said to the socket, which hears its events.
    assert await socket.receive_nothing(timeout=2)
    assert await _hears(socket, user.pk, "still")
    await socket.disconnect()


async def test_the_sockets_are_resynchronised_a_batch_at_a_time(layer_on_own_redis, monkeypatch):
    """So that a thousand pages do not all reconnect in the same instant."""
    monkeypatch.setattr(layer_watch, "RESYNC_BATCH", 1)
    monkeypatch.setattr(layer_watch, "RESYNC_PAUSE_SECONDS", 0.5)
    server = layer_on_own_redis
    user = await database_sync_to_async(UserFactory)()
    sockets = [await _greeted_socket(user), await _greeted_socket(user)]
    server.pause()
    for socket in sockets:
        _told_lost((await _output_within(socket, 5))[0])
    server.resume()

    async def closed_at(socket) -> float:
        assert await socket.receive_output(timeout=10) == RESYNC
        return time.monotonic()

    first, second = sorted(await asyncio.gather(*(closed_at(socket) for socket in sockets)))
    assert second - first >= 0.4, (first, second)
    for socket in sockets:
        await socket.disconnect()
