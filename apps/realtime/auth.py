"""Who a socket belongs to: read once, at the handshake, from the session cookie.

In place of Channels' Cookie, Session and Auth middleware: each of those copies the scope
and keeps its own lazy wrapper, the parsed cookies and the loaded session for as long as
the socket lives (about 4 KB of each idle socket's memory, make bench). This keeps the
user and the session key, nothing else.

The session is checked by Django's own `get_user`, as for a page (expired sessions are not
found; the backend must be a configured one and find an active user; the password-change
hash, current or from SECRET_KEY_FALLBACKS, must match), but the socket never writes: what
a page would do to a stale session (flush it, rotate its key) is left to the next page,
which can also set the cookie. So `get_user` is handed the session's data in a dict of its
own, not the store: its flush() or cycle_key() change that dict only."""

from importlib import import_module
from types import SimpleNamespace

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user, get_user_model
from django.core.exceptions import ValidationError
from django.http.cookie import parse_cookie
from django.utils.crypto import constant_time_compare


class DetachedSession(dict):
    """A session's data, as `django.contrib.auth.get_user` reads it (Django 5.2.19: item
    access, get(), and on a stale hash flush() or cycle_key() then an item set), held apart
    from the session store: nothing done to it is saved."""

    def flush(self) -> None:
        self.clear()

    def cycle_key(self) -> None:
        pass


def session_key_of(headers) -> str | None:
    cookies = b"; ".join(value for name, value in headers if name == b"cookie")
    return parse_cookie(cookies.decode("latin-1")).get(settings.SESSION_COOKIE_NAME) or None


def signed_in_user(session_key: str | None):
    """The active user signed in with this session, or None."""
    if not session_key:
        return None
    # load() reads the session (None-like {} when expired or unknown) and writes nothing.
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    if not data:
        return None
    try:
        user = get_user(SimpleNamespace(session=DetachedSession(data)))
    except ValidationError:  # an id the user model cannot read
        return None
    return user if user.is_authenticated else None


def session_signs_in(data, user) -> bool:
    """Whether these session data sign `user` (active, loaded with their password hash) in:
    their id, a known backend, and the password-change hash as `get_user` checks it. For the
    check of many sockets at once (apps/realtime/selectors.py), which reads the users itself,
    two queries for hundreds of sockets where `get_user` would load each user: a copy of
    get_user's rule, which tests/realtime/test_socket_auth.py holds equal to Django's."""
    try:
        user_id = get_user_model()._meta.pk.to_python(data.get(SESSION_KEY))
    except ValidationError:
        return False
    if user_id != user.pk or data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return False
    session_hash = data.get(HASH_SESSION_KEY)
    if not user.is_active or not session_hash:
        return False
    hashes = (user.get_session_auth_hash(), *user.get_session_auth_fallback_hash())
    return any(constant_time_compare(session_hash, known) for known in hashes)


class SessionUserMiddleware:
    """Gives the inner application a scope of its own with `user` (the signed-in user, or
    None) and `session_key`; the handshake's headers are not kept in it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        session_key = session_key_of(scope.get("headers", ()))
        user = await database_sync_to_async(signed_in_user)(session_key)
        own_scope = {
            "type": scope["type"],
            "path": scope["path"],
            "root_path": scope.get("root_path", ""),
            "user": user,
            "session_key": session_key if user is not None else None,
        }
        return await self.app(own_scope, receive, send)
