"""A socket whose session no longer exists or no longer signs its user in closes within a
minute, however the session ended (apps/realtime/session_check.py); a session that changes
its key keeps its sockets, which follow it."""

import asyncio
import datetime

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from apps.accounts.sessions import SessionStore
from apps.core.broadcast import broadcast_on_commit, disconnect_on_commit, session_group
from apps.realtime import session_check
from apps.realtime.selectors import sessions_signed_out
from tests.factories import UserFactory
from tests.realtime.sockets import ORIGIN, connect, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

Session = SessionStore.get_model_class()
User = get_user_model()
CLOSED = {"type": "websocket.close", "code": 4401}
# Checked every 0.2 s here: a socket of an ended session closes within a second or so.
QUICKLY = override_settings(LIVE_SESSION_CHECK_SECONDS=0.2)


async def _socket(cookie: bytes):
    communicator, connected, _ = await connect([(b"origin", ORIGIN), (b"cookie", cookie)])
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return communicator


def _key(cookie: bytes) -> str:
    return cookie.decode().split("=", 1)[1]


async def _signed_in_socket(user=None):
    user = user or await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    return user, _key(cookie), await _socket(cookie)


async def _hears(socket, user_id: int) -> bool:
    def send():
        with transaction.atomic():
            broadcast_on_commit(f"user.{user_id}", {"type": "test.event"})

    await sync_to_async(send)()
    return await socket.receive_json_from(timeout=5) == {"type": "test.event"}


def _expire(key: str) -> None:
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))


def _delete(key: str) -> None:
    Session.objects.filter(session_key=key).delete()


def _flush(key: str) -> None:
    SessionStore(key).flush()


def _deactivate(key: str) -> None:
    """Behind the models' back (an UPDATE): nothing closed the sockets."""
    User.objects.filter(pk=Session.objects.get(session_key=key).user_id).update(is_active=False)


def _password_hash_replaced(key: str) -> None:
    """Written behind the models' back (an UPDATE): no hook ended the session."""
    new_hash = make_password("another-passphrase-1")
    User.objects.filter(pk=Session.objects.get(session_key=key).user_id).update(password=new_hash)


@QUICKLY
@pytest.mark.parametrize("end", [_expire, _delete, _flush, _deactivate, _password_hash_replaced])
async def test_a_socket_whose_session_ended_unannounced_closes_and_the_others_stay(end):
    _user, key, socket = await _signed_in_socket()
    other, _other_key, other_socket = await _signed_in_socket()
    await sync_to_async(end)(key)
    assert await socket.receive_output(timeout=5) == CLOSED
    await asyncio.sleep(0.6)  # more rounds of checks
    assert await _hears(other_socket, other.pk)
    await socket.disconnect()
    await other_socket.disconnect()


async def test_by_default_the_check_runs_well_within_a_minute():
    assert session_check.check_seconds() + session_check.CONFIRM_SECONDS <= 45


@QUICKLY
async def test_a_session_that_changes_its_key_keeps_its_socket_which_follows_it():
    """Signing in again, or changing one's password (update_session_auth_hash): the key
    changes, the session stays, and so does its socket, now in the new key's group."""
    user, key, socket = await _signed_in_socket()

    def cycle() -> str:
        store = SessionStore(key)
        store.load()
        store.cycle_key()
        return store.session_key

    new_key = await sync_to_async(cycle)()
    assert new_key != key and not await sync_to_async(Session.objects.filter(session_key=key).exists)()
    await asyncio.sleep(1)  # several rounds of checks, which must not close it
    assert await _hears(socket, user.pk)

    def end_new_session():
        with transaction.atomic():
            disconnect_on_commit(session_group(new_key))

    await sync_to_async(end_new_session)()
    assert await socket.receive_output(timeout=5) == CLOSED
    await socket.disconnect()


async def test_an_anonymous_session_that_signs_in_moves_no_socket(django_capture_on_commit_callbacks):
    def sign_in_cycle():
        store = SessionStore()
        store["something"] = 1
        store.create()
        with django_capture_on_commit_callbacks() as callbacks:
            store.cycle_key()
        return callbacks

    assert await sync_to_async(sign_in_cycle)() == []


def test_sessions_are_checked_with_two_queries_per_chunk_of_sockets(django_assert_num_queries, monkeypatch):
    sockets = []
    for _ in range(5):
        user = UserFactory()
        sockets.append((_key(session_cookie(user)), user.pk))
    _expire(sockets[0][0])
    checked = [*sockets, ("no-such-session", sockets[1][1])]
    with django_assert_num_queries(2):
        assert sessions_signed_out(checked) == {sockets[0], ("no-such-session", sockets[1][1])}
    monkeypatch.setattr("apps.realtime.selectors.SESSION_CHECK_CHUNK", 2)
    with django_assert_num_queries(6):
        assert sessions_signed_out(checked) == {sockets[0], ("no-such-session", sockets[1][1])}
    # A session is its own user's only.
    assert sessions_signed_out([(sockets[1][0], sockets[2][1])]) == {(sockets[1][0], sockets[2][1])}


@QUICKLY
async def test_one_task_checks_every_socket_of_the_process():
    sockets = [(await _signed_in_socket())[2] for _ in range(4)]
    tasks = [task for task in asyncio.all_tasks() if "_check_while_open" in repr(task.get_coro())]
    assert len(tasks) == 1
    for socket in sockets:
        await socket.disconnect()
    await asyncio.sleep(0.5)
    # With the last socket gone, so is the timer.
    assert tasks[0].done()
