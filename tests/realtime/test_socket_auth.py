"""Who a socket belongs to (apps.realtime.auth): the session cookie, read as the pages read
it, and never written by the socket."""

import datetime

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django.utils import timezone

from apps.accounts.sessions import SessionStore
from tests.factories import UserFactory
from tests.realtime.sockets import ORIGIN, connect, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

Session = SessionStore.get_model_class()

REFUSED = {"type": "websocket.close", "code": 4401}


async def _first_output(cookie: bytes):
    communicator, connected, _ = await connect([(b"origin", ORIGIN), (b"cookie", cookie)])
    assert connected
    output = await communicator.receive_output(timeout=5)
    await communicator.disconnect()
    return output


def _session_key(cookie: bytes) -> str:
    return cookie.decode().split("=", 1)[1]


async def test_the_session_cookie_among_others_signs_the_socket_in():
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    output = await _first_output(b"theme=dark; " + cookie + b"; other=1")
    assert output["type"] == "websocket.send"
    assert '"type": "hello"' in output["text"]


@pytest.mark.parametrize(
    "cookie",
    [b"", f"{settings.SESSION_COOKIE_NAME}=".encode(), f"{settings.SESSION_COOKIE_NAME}=no-such-session".encode()],
    ids=["no cookie", "empty", "unknown session"],
)
async def test_a_socket_without_a_valid_session_is_refused(cookie):
    assert await _first_output(cookie) == REFUSED


async def test_an_expired_session_is_refused():
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    await sync_to_async(Session.objects.filter(session_key=_session_key(cookie)).update)(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert await _first_output(cookie) == REFUSED


async def test_a_password_hash_changed_behind_the_models_back_refuses_the_socket_and_the_socket_deletes_nothing():
    """A hash written without saving the user (an UPDATE), so that no hook ended the session
    (a password saved the usual way ends it: tests/accounts/test_session_end.py)."""
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    new_hash = await sync_to_async(make_password)("a-new-password-0123")
    await sync_to_async(type(user).objects.filter(pk=user.pk).update)(password=new_hash)
    assert await _first_output(cookie) == REFUSED
    # A page flushes such a session (and can clear the cookie); the socket leaves it be.
    assert await sync_to_async(Session.objects.filter(session_key=_session_key(cookie)).exists)()


async def test_a_session_signed_with_a_fallback_secret_still_signs_the_socket_in():
    user = await sync_to_async(UserFactory)()
    with override_settings(SECRET_KEY="the-previous-secret-key-" * 3):
        cookie = await sync_to_async(session_cookie)(user)
    with override_settings(SECRET_KEY=settings.SECRET_KEY, SECRET_KEY_FALLBACKS=["the-previous-secret-key-" * 3]):
        output = await _first_output(cookie)
    assert output["type"] == "websocket.send"
    with override_settings(SECRET_KEY_FALLBACKS=[]):
        assert await _first_output(cookie) == REFUSED


async def test_a_signed_out_session_is_refused():
    user = await sync_to_async(UserFactory)()
    client = Client()
    await sync_to_async(client.force_login)(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()
    await sync_to_async(client.logout)()
    assert await _first_output(cookie) == REFUSED
