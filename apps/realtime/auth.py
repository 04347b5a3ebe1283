"""Who a socket belongs to: read once, at the handshake, from the session cookie.

In place of Channels' Cookie, Session and Auth middleware: each of those copies the scope
and keeps its own lazy wrapper, the parsed cookies and the loaded session for as long as
the socket lives (about 4 KB of each idle socket's memory, make bench). This keeps the
user and the session key, nothing else.

The session is read as Django's pages read it (expired sessions are not found; the
password-change hash, current or from SECRET_KEY_FALLBACKS, must match), but the socket
never writes: what a page would do to a stale session (flush it, rotate its key) is left
to the next page, which can also set the cookie."""

from importlib import import_module

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.core.exceptions import ValidationError
from django.http.cookie import parse_cookie
from django.utils.crypto import constant_time_compare


def session_key_of(headers) -> str | None:
    cookies = b"; ".join(value for name, value in headers if name == b"cookie")
    return parse_cookie(cookies.decode("latin-1")).get(settings.SESSION_COOKIE_NAME) or None


def signed_in_user(session_key: str | None):
    """The active user signed in with this session, or None."""
    if not session_key:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = load_backend(backend_path).get_user(user_id)
    if user is None or not session_signs_in(session, user):
        return None
    return user


def session_signs_in(data, user) -> bool:
    """Whether these session data sign `user` (active, loaded with their password hash) in:
    their id, a known backend, and the password-change hash as the pages check it."""
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
