"""What the live process takes from the internals of channels, channels_redis and uvicorn,
checked (see tests/core/test_private_apis.py, which holds the versions they were checked
against): a failure names the file to re-check after an upgrade."""

import asyncio
import inspect
import re

import pytest
from django.conf import settings

from tests.core.test_private_apis import parameters, recheck

# ---------------------------------------------------------------- channels: the consumer's own __call__


def test_channels_consumer_call_is_still_what_the_realtime_consumer_repeats():
    """apps/realtime/consumers.py's RealtimeConsumer.__call__ is AsyncConsumer.__call__ with a
    failing channel layer tolerated: it sets the same attributes and dispatches the same way."""
    from channels.consumer import AsyncConsumer
    from channels.generic.websocket import AsyncJsonWebsocketConsumer

    source = inspect.getsource(AsyncConsumer.__call__)
    for line in (
        "self.scope = scope",
        "self.channel_layer = get_channel_layer(self.channel_layer_alias)",
        "self.channel_name = await self.channel_layer.new_channel()",
        "self.channel_layer.receive, self.channel_name",
        "self.base_send = send",
        "await await_many_dispatch(",
        "except StopConsumer:",
    ):
        assert line in source, recheck(
            "channels", "apps/realtime/consumers.py", f"AsyncConsumer.__call__ lost {line!r}"
        )
    assert AsyncJsonWebsocketConsumer._sync is False, recheck(
        "channels", "apps/realtime/consumers.py", "the async consumer is no longer sent to directly"
    )


# ---------------------------------------------------------------- channels_redis


def test_channels_redis_makes_its_pools_through_the_method_the_blocking_layer_replaces():
    from channels_redis.core import RedisChannelLayer
    from redis.asyncio import BlockingConnectionPool

    from apps.realtime import layers

    path = "apps/realtime/layers.py"
    assert parameters(RedisChannelLayer.create_pool) == ["self", "index"], recheck(
        "channels_redis", path, "RedisChannelLayer.create_pool(index) changed"
    )
    assert "self.channel_layer.create_pool(index)" in inspect.getsource(inspect.getmodule(RedisChannelLayer)), recheck(
        "channels_redis", path, "the layer no longer makes its connection pools with create_pool(index)"
    )
    layer = layers.BlockingPoolChannelLayer(hosts=[{"address": settings.REDIS_URL, "socket_timeout": 3}])
    assert layer.hosts[0]["address"] == settings.REDIS_URL, recheck(
        "channels_redis", path, "hosts are no longer dicts with an 'address'"
    )
    pool = layer.create_pool(0)
    assert isinstance(pool, BlockingConnectionPool)
    assert (pool.max_connections, pool.timeout) == (layers.MAX_CONNECTIONS, layers.WAIT_SECONDS)


def test_channels_redis_pubsub_layer_keeps_its_connections_per_event_loop():
    """apps/core/broadcast.py sends every event from one loop per process because the layer
    keeps one set of connections per loop."""
    from channels_redis.pubsub import RedisPubSubChannelLayer

    layer = RedisPubSubChannelLayer(hosts=[settings.REDIS_URL])

    async def loop_layers():
        return layer._get_layer(), layer._get_layer()

    first, again = asyncio.run(loop_layers())
    other, _ = asyncio.run(loop_layers())
    assert first is again and first is not other, recheck(
        "channels_redis", "apps/core/broadcast.py", "the PUB/SUB layer no longer keeps its connections per event loop"
    )


def test_channels_redis_publishes_one_message_at_a_time_per_connection():
    """apps/core/broadcast.py: sends queued behind one that finds Redis hung give up once the
    breaker opens, because the PUB/SUB layer holds a lock around each publish."""
    from channels_redis.pubsub import RedisSingleShardConnection

    assert "async with self._lock" in inspect.getsource(RedisSingleShardConnection.publish), recheck(
        "channels_redis", "apps/core/broadcast.py", "the PUB/SUB layer no longer publishes under a lock"
    )


def test_channels_redis_pubsub_receive_cancelled_drops_its_channel():
    """apps/realtime/layer_watch.py receives in a task of its own because a receive cancelled
    (say by a timeout) unsubscribes its channel in the PUB/SUB layer."""
    from channels_redis.pubsub import RedisPubSubChannelLayer

    layer = RedisPubSubChannelLayer(hosts=[settings.REDIS_URL], prefix=f"{settings.REDIS_PREFIX}:private-apis")

    async def cancelled_receive():
        channel = await layer.new_channel()
        subscribed = channel in layer._get_layer().channels
        receiving = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(0.05)
        receiving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await receiving
        still = channel in layer._get_layer().channels
        await layer.flush()
        return subscribed, still

    subscribed, still = asyncio.run(cancelled_receive())
    assert subscribed and not still, recheck(
        "channels_redis", "apps/realtime/layer_watch.py", "a cancelled receive no longer drops its channel"
    )


# ---------------------------------------------------------------- uvicorn's WebSocket protocol


def test_uvicorn_s_websocket_protocol_uses_its_queue_and_handshake_as_the_lean_one_assumes():
    from uvicorn.protocols.websockets import websockets_sansio_impl as sansio

    path = "config/websocket_protocol.py"
    protocol = sansio.WebSocketsSansIOProtocol
    source = inspect.getsource(protocol)
    made = re.compile(r"self\.queue(:[^=\n]+)?\s*=[^=]")
    assert len(made.findall(source)) == 1 and made.search(inspect.getsource(protocol.__init__)), recheck(
        "uvicorn", path, "the protocol's queue is no longer made once, in __init__"
    )
    used = set(re.findall(r"self\.queue\.(\w+)", source))
    assert used <= {"put_nowait", "get", "empty"}, recheck(
        "uvicorn", path, f"the protocol now asks its queue for {sorted(used - {'put_nowait', 'get', 'empty'})}"
    )
    assert "self.handshake_complete = False" in inspect.getsource(protocol.__init__)
    assert inspect.iscoroutinefunction(protocol.send) and parameters(protocol.send) == ["self", "message"], recheck(
        "uvicorn", path, "send(message) changed"
    )
    # The handshake's request and response, dropped once it is answered, are read nowhere after.
    readers = {
        name
        for name, method in inspect.getmembers(protocol, inspect.isfunction)
        if re.search(r"self\.(request|response)\b", inspect.getsource(method))
    }
    assert readers <= {"handle_connect", "send"}, recheck(
        "uvicorn", path, f"{sorted(readers - {'handle_connect', 'send'})} now read the handshake's request or response"
    )
    send = inspect.getsource(protocol.send)
    assert send.index("if not self.handshake_complete") < send.index("self.response"), recheck(
        "uvicorn", path, "send() reads the handshake's response after the handshake"
    )
