"""The live process (config.asgi_live): the /ws/ socket alone, as `make run` and
docker-compose start it beside the web processes."""

import os
import subprocess
import sys

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.conf import settings
from django.db import transaction

from apps.core.broadcast import broadcast_on_commit
from config.asgi_live import application
from tests.factories import UserFactory
from tests.realtime.sockets import ORIGIN, connect, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


def _broadcast(user_id: int) -> None:
    with transaction.atomic():
        broadcast_on_commit(f"user.{user_id}", {"type": "test.event", "text": "from a page"})


async def test_a_signed_in_socket_gets_its_greeting_and_its_events():
    user = await sync_to_async(UserFactory)()
    communicator, hello = await open_socket(user, application)
    assert hello == {"type": "hello", "unread": 0, "messages_unread": 0}
    await sync_to_async(_broadcast)(user.pk)
    assert await communicator.receive_json_from(timeout=5) == {"type": "test.event", "text": "from a page"}
    await communicator.disconnect()


async def test_it_refuses_what_the_web_process_refuses():
    communicator, connected, _ = await connect([(b"origin", ORIGIN)], application)
    assert connected
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    await communicator.disconnect()
    communicator, connected, _ = await connect([(b"origin", b"https://evil.example.net")], application)
    assert not connected
    await communicator.disconnect()


@pytest.mark.parametrize(("path", "status"), [("/healthz", 200), ("/", 404), ("/accounts/login/", 404)])
async def test_pages_are_not_served_here(path, status):
    response = await HttpCommunicator(application, "GET", path).get_response(timeout=5)
    assert response["status"] == status


def test_it_loads_neither_the_pages_nor_celery():
    """What makes it small (make bench measures its memory with 1,000 idle sockets)."""
    unwanted = ("celery", "kombu", "config.urls", "config.asgi", "apps.feeds.views", "apps.feeds.services",
                "allauth.account.views", "ldap3", "msal", "exchangelib", "PIL")  # fmt: skip
    code = f"import sys, config.asgi_live; print(','.join(name for name in {unwanted!r} if name in sys.modules))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ""
