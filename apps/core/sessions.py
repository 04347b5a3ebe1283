"""Django's database sessions, read with a statement compiled once per process: the
session is the first thing every request reads (apps/core/prepared.py)."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from apps.core import prepared


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        def make():
            return None, self.model.objects.filter(session_key=prepared.TEXT, expire_date__gt=prepared.SINCE)

        _none, statement = prepared.compiled(("session",), make, (prepared.TEXT, prepared.SINCE))
        sessions = statement.run({prepared.TEXT: self.session_key, prepared.SINCE: timezone.now()})
        if not sessions:
            self._session_key = None
            return None
        return sessions[0]
