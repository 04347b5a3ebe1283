"""Django's database sessions, read with a statement compiled once per process: the
session is the first thing every request reads (apps/core/prepared.py).

Each is stored with its signed-in person's id (UserSession, this app's), so that a person's
other sessions can be ended (apps/accounts/session_end.py). When a signed-in session
changes its key (signing in again, a password change keeping the current session), its
open sockets follow it to the new key: signing out afterwards still closes them."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.models import UserSession
from apps.core import prepared
from apps.core.broadcast import session_moved_on_commit


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        return UserSession

    # Replaces Django's private SessionStore._get_session_from_db (what load() calls) and sets
    # _session_key: checked against Django 5.2.19 (tests/core/test_private_apis.py).
    def _get_session_from_db(self):
        def make():
            return None, self.model.objects.filter(session_key=prepared.TEXT, expire_date__gt=prepared.SINCE)

        _none, statement = prepared.compiled(("session",), make, (prepared.TEXT, prepared.SINCE))
        sessions = statement.run({prepared.TEXT: self.session_key, prepared.SINCE: timezone.now()})
        if not sessions:
            self._session_key = None
            return None
        return sessions[0]

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.user_id = signed_in_user_id(data)
        return instance

    def cycle_key(self):
        previous_key = self.session_key
        signed_in = SESSION_KEY in self._session
        super().cycle_key()
        if previous_key and signed_in and self.session_key:
            session_moved_on_commit(previous_key, self.session_key)


def signed_in_user_id(data: dict):
    """The id of the person signed in with these session data, or None."""
    from django.contrib.auth import get_user_model

    try:
        return get_user_model()._meta.pk.to_python(data.get(SESSION_KEY))
    except ValidationError:
        return None
