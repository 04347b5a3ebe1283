"""Ending a person's sessions: the one way, for every path that calls for it.

A password changed (by its owner, by a reset e-mail, by an administrator, by any code that
saves a new hash), two-factor authentication turned off: every other session of that person
ends, and their open sockets close at once, as signing out closes them. Their owner's
current session, when the change is theirs, stays signed in (as Django's
update_session_auth_hash keeps it), and so do its sockets.

The hooks are on the models (apps/accounts/signals.py), not on the views, so that a path
added later cannot forget them. A socket whose session ends some other way (it expires, it
is deleted) closes within a minute (apps/realtime/session_check.py)."""

from allauth.core import context as allauth_context
from django.db import transaction

from apps.accounts.models import UserSession
from apps.core.broadcast import disconnect_on_commit, session_group


def sessions_end(*, user, keep_session_key: str | None = None) -> int:
    """End every session of `user` but `keep_session_key`, and close their sockets once the
    transaction commits. Returns how many sessions ended."""
    with transaction.atomic():
        sessions = UserSession.objects.filter(user_id=user.pk)
        if keep_session_key:
            sessions = sessions.exclude(session_key=keep_session_key)
        keys = list(sessions.values_list("session_key", flat=True))
        if keys:
            UserSession.objects.filter(session_key__in=keys).delete()
        for key in keys:
            disconnect_on_commit(session_group(key))
    return len(keys)


def acting_request():
    """The request being served in this thread (allauth's middleware keeps it), or None
    outside a request (a management command, a task)."""
    return allauth_context.request


def session_to_keep(user) -> str | None:
    """The current request's session, if its signed-in person is `user`: the change is
    theirs, made from this session, which stays signed in."""
    request = acting_request()
    actor = getattr(request, "user", None)
    if actor is None or not actor.is_authenticated or actor.pk != user.pk:
        return None
    return request.session.session_key


def acting_user():
    """Who is signed in to the current request, or None."""
    actor = getattr(acting_request(), "user", None)
    return actor if actor is not None and actor.is_authenticated else None


def other_sessions_end(*, user) -> int:
    """End every session of `user` but the current request's, if that one is theirs."""
    return sessions_end(user=user, keep_session_key=session_to_keep(user))
