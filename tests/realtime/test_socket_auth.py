"""Who a socket belongs to (apps.realtime.auth): the session cookie, read as the pages read
it, and never written by the socket."""

import datetime
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django.utils import timezone

from apps.accounts.sessions import SessionStore
from apps.realtime.auth import DetachedSession, session_signs_in
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


# ---------------------------------------------------------------- Django's get_user decides, the socket writes nothing


def _session_row(cookie: bytes):
    return Session.objects.filter(session_key=_session_key(cookie)).values_list("session_key", "session_data").first()


def _edit_session(cookie: bytes, **changes) -> None:
    store = SessionStore(_session_key(cookie))
    for name, value in changes.items():
        if value is None:
            del store[name]
        else:
            store[name] = value
    store.save()


async def test_a_session_whose_password_hash_is_wrong_is_refused_and_left_as_it_was():
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    await sync_to_async(_edit_session)(cookie, **{HASH_SESSION_KEY: "0" * 64})
    before = await sync_to_async(_session_row)(cookie)
    assert await _first_output(cookie) == REFUSED
    # A page would flush it; the socket neither deletes nor empties it.
    assert await sync_to_async(_session_row)(cookie) == before


async def test_a_session_without_a_password_hash_is_refused():
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    await sync_to_async(_edit_session)(cookie, **{HASH_SESSION_KEY: None})
    assert await _first_output(cookie) == REFUSED


async def test_a_fallback_key_s_session_signs_in_without_its_key_or_data_being_changed():
    user = await sync_to_async(UserFactory)()
    previous = "the-previous-secret-key-" * 3
    with override_settings(SECRET_KEY=previous):
        cookie = await sync_to_async(session_cookie)(user)
    before = await sync_to_async(_session_row)(cookie)
    with override_settings(SECRET_KEY_FALLBACKS=[previous]):
        output = await _first_output(cookie)
    assert output["type"] == "websocket.send"
    # A page would rotate the key and store the current hash; the socket leaves both to it.
    assert await sync_to_async(_session_row)(cookie) == before
    assert await sync_to_async(Session.objects.count)() == 1


async def test_an_inactive_account_s_session_is_refused():
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    await sync_to_async(type(user).objects.filter(pk=user.pk).update)(is_active=False)
    assert await _first_output(cookie) == REFUSED


@pytest.mark.parametrize(
    "backend",
    ["django.contrib.auth.backends.RemoteUserBackend", "no.such.Backend", None],
    ids=["not configured", "not a module", "none"],
)
async def test_a_session_of_a_backend_that_is_not_configured_is_refused(backend):
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    await sync_to_async(_edit_session)(cookie, **{BACKEND_SESSION_KEY: backend})
    assert await _first_output(cookie) == REFUSED


async def test_a_session_naming_a_user_id_of_another_type_is_refused():
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    await sync_to_async(_edit_session)(cookie, **{SESSION_KEY: "not-an-id"})
    assert await _first_output(cookie) == REFUSED


def _sessions_as_django_reads_them(user):
    """(session data, whether Django's get_user signs `user` in with them) for each case."""
    from django.contrib.auth import get_user

    previous = "the-previous-secret-key-" * 3
    with override_settings(SECRET_KEY=previous):
        fallback_hash = user.get_session_auth_hash()
    good = {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
        HASH_SESSION_KEY: user.get_session_auth_hash(),
    }
    cases = {
        "good": good,
        "wrong hash": {**good, HASH_SESSION_KEY: "0" * 64},
        "no hash": {key: value for key, value in good.items() if key != HASH_SESSION_KEY},
        "fallback hash": {**good, HASH_SESSION_KEY: fallback_hash},
        "unknown backend": {**good, BACKEND_SESSION_KEY: "django.contrib.auth.backends.RemoteUserBackend"},
        "another user": {**good, SESSION_KEY: str(user.pk + 1)},
    }
    results = {}
    with override_settings(SECRET_KEY_FALLBACKS=[previous]):
        for name, data in cases.items():
            signed_in = get_user(SimpleNamespace(session=DetachedSession(data)))
            results[name] = (data, signed_in.is_authenticated and signed_in.pk == user.pk)
    return results


def test_the_check_of_many_sockets_at_once_agrees_with_django_s_get_user():
    """apps/realtime/selectors.py checks open sockets' sessions with session_signs_in, which
    reads no user itself: if an upgrade of Django changes get_user's rule, this says so
    (re-check apps/realtime/auth.py's session_signs_in against django/contrib/auth/__init__.py)."""
    user = UserFactory()
    results = _sessions_as_django_reads_them(user)
    assert [name for name, (_, signed_in) in results.items() if signed_in] == ["good", "fallback hash"], (
        "django.contrib.auth.get_user no longer decides as it did in Django 5.2.19: "
        "re-check apps/realtime/auth.py (session_signs_in, DetachedSession)"
    )
    with override_settings(SECRET_KEY_FALLBACKS=["the-previous-secret-key-" * 3]):
        for name, (data, signed_in) in results.items():
            assert session_signs_in(data, user) == signed_in, f"session_signs_in differs from get_user for {name!r}"


def test_django_s_get_user_touches_the_session_only_as_detached_session_allows():
    """DetachedSession keeps get_user from writing: a new Django that asked the session for
    anything else (save, set_expiry, an async method...) would show here (re-check
    apps/realtime/auth.py against django/contrib/auth/__init__.py)."""
    from django.contrib.auth import get_user

    asked = set()

    class Watched(DetachedSession):
        def __getattribute__(self, name):
            asked.add(name)
            return super().__getattribute__(name)

    user = UserFactory()
    results = _sessions_as_django_reads_them(user)
    with override_settings(SECRET_KEY_FALLBACKS=["the-previous-secret-key-" * 3]):
        for data, _ in results.values():
            get_user(SimpleNamespace(session=Watched(data)))
    assert asked <= {"get", "flush", "cycle_key", "clear"}, (
        f"get_user now uses {sorted(asked - {'get', 'flush', 'cycle_key', 'clear'})} of the session: "
        "re-check apps/realtime/auth.py (DetachedSession) against django/contrib/auth/__init__.py"
    )
    assert {"flush", "cycle_key"} <= asked
