"""broadcast_on_commit: nothing is sent before the commit, nothing on rollback, and a
dead Redis never breaks the write that triggered the event."""

import asyncio
import logging

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from apps.core import broadcast

pytestmark = pytest.mark.django_db


def _listen_while(step) -> list:
    """Subscribe a channel to user.42, run the sync `step`, return what the channel got."""

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("user.42", channel)
        await sync_to_async(step)()
        received = []
        try:
            while True:
                received.append(await asyncio.wait_for(layer.receive(channel), 0.3))
        except TimeoutError:
            pass
        await layer.group_discard("user.42", channel)
        return received

    return async_to_sync(scenario)()


def test_sent_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        received = _listen_while(lambda: broadcast.broadcast_on_commit("user.42", {"type": "post.created", "id": 7}))
    assert received == []
    assert len(callbacks) == 1
    assert _listen_while(callbacks[0]) == [
        {"type": broadcast.FORWARD, "group": "user.42", "event": {"type": "post.created", "id": 7}}
    ]


def test_nothing_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    def write_then_fail():
        try:
            with transaction.atomic():
                broadcast.broadcast_on_commit("user.42", {"type": "post.created", "id": 8})
                raise RuntimeError("rollback")
        except RuntimeError:
            pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        received = _listen_while(write_then_fail)
    assert callbacks == []
    assert received == []


@pytest.mark.parametrize("group", ["user 42", "", "user.42;flush", "x" * 120])
def test_rejects_malformed_group_names(group):
    with pytest.raises(ValueError):
        broadcast.broadcast_on_commit(group, {"type": "x"})


def test_requires_an_event_type():
    with pytest.raises(ValueError):
        broadcast.broadcast_on_commit("user.1", {"id": 1})


def test_redis_down_does_not_raise(caplog):
    # The drop is logged at INFO: whatever level a test run before this one left the logger at.
    caplog.set_level(logging.INFO, logger="apps.core.broadcast")
    layer = {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # Nothing listens on port 1; a database of its own: a circuit breaker of its own.
        "CONFIG": {"hosts": ["redis://127.0.0.1:1/15"]},
    }
    dead = {"default": layer, settings.BROADCAST_LAYER: layer}
    from channels.layers import channel_layers

    with override_settings(CHANNEL_LAYERS=dead):
        channel_layers.backends.clear()
        try:
            assert broadcast.send_now("user.1", {"type": "x"}) is False
            assert broadcast.send_many_now([("user.1", {"type": "x"}), ("user.2", {"type": "x"})]) == 0
        finally:
            channel_layers.backends.clear()
    assert "dropped" in caplog.text
    assert caplog.text.count("is not answering") == 1  # once per outage, not once per call


def test_sends_go_through_the_layer_with_the_short_timeout():
    """Events sent while answering a request use the "broadcast" layer: Redis's same
    groups, but a hung Redis is given up on after REDIS_REQUEST_TIMEOUT, not 10 s."""
    host = settings.CHANNEL_LAYERS[settings.BROADCAST_LAYER]["CONFIG"]["hosts"][0]
    assert host["socket_timeout"] == settings.REDIS_REQUEST_TIMEOUT <= 0.5
    assert _listen_while(lambda: broadcast.send_now("user.42", {"type": "post.created", "id": 9})) == [
        {"type": broadcast.FORWARD, "group": "user.42", "event": {"type": "post.created", "id": 9}}
    ]
