"""The one WebSocket endpoint, through the real ASGI application and the real Redis layer."""

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction
from django.test import Client

from apps.core.broadcast import broadcast_on_commit
from tests.factories import UserFactory
from tests.realtime.sockets import ORIGIN, connect, open_socket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def _signed_in_socket(user):
    communicator, hello = await open_socket(user)
    assert hello == {"type": "hello", "unread": 0, "messages_unread": 0}
    return communicator


async def test_anonymous_socket_is_refused():
    communicator, connected, _ = await connect([(b"origin", ORIGIN)])
    # Accepted only to be closed with the code that tells the page not to retry.
    assert connected
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    await communicator.disconnect()


async def test_foreign_origin_is_refused():
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    communicator, connected, _ = await connect([(b"origin", b"https://evil.example.net"), (b"cookie", cookie)])
    assert not connected
    await communicator.disconnect()


async def test_missing_origin_is_refused():
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    communicator, connected, _ = await connect([(b"cookie", cookie)])
    assert not connected
    await communicator.disconnect()


async def test_deactivated_user_is_refused():
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    user.is_active = False
    await sync_to_async(user.save)()
    communicator, connected, _ = await connect([(b"origin", ORIGIN), (b"cookie", cookie)])
    assert connected
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    await communicator.disconnect()


def _broadcast_in_transaction(user_id: int, text: str, *, commit: bool):
    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            broadcast_on_commit(f"user.{user_id}", {"type": "test.event", "text": text})
            if not commit:
                raise Rollback
    except Rollback:
        pass


async def test_user_receives_event_after_commit_only():
    user = await sync_to_async(UserFactory)()
    communicator = await _signed_in_socket(user)

    await sync_to_async(_broadcast_in_transaction)(user.pk, "rolled back", commit=False)
    assert await communicator.receive_nothing(timeout=0.5)

    await sync_to_async(_broadcast_in_transaction)(user.pk, "committed", commit=True)
    assert await communicator.receive_json_from(timeout=5) == {"type": "test.event", "text": "committed"}
    await communicator.disconnect()


async def test_event_for_another_user_is_not_received():
    alice, bob = await sync_to_async(lambda: (UserFactory(), UserFactory()))()
    communicator = await _signed_in_socket(alice)
    await sync_to_async(_broadcast_in_transaction)(bob.pk, "for bob", commit=True)
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_ping_is_answered():
    user = await sync_to_async(UserFactory)()
    communicator = await _signed_in_socket(user)
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.disconnect()


async def test_signing_out_closes_the_sockets_of_that_session():
    user = await sync_to_async(UserFactory)()
    client = Client()
    await sync_to_async(client.force_login)(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()
    communicator, connected, _ = await connect([(b"origin", ORIGIN), (b"cookie", cookie)])
    assert connected
    assert await communicator.receive_json_from(timeout=5) == {"type": "hello", "unread": 0, "messages_unread": 0}
    other_session = await _signed_in_socket(user)

    await sync_to_async(client.post)("/accounts/logout/")
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    # The same person's other session (another browser) stays connected.
    assert await other_session.receive_nothing(timeout=0.5)
    await other_session.disconnect()


async def test_a_message_that_is_not_an_object_is_ignored():
    user = await sync_to_async(UserFactory)()
    communicator = await _signed_in_socket(user)
    await communicator.send_json_to(["ping"])
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.disconnect()
