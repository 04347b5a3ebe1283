"""What the benchmarks that start a server in another process share."""

import os
import socket
from urllib.parse import urlsplit, urlunsplit

from django.db import connection


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_database_url() -> str:
    """DATABASE_URL naming the test database this session created."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    head, _sep, _name = parts.path.rpartition("/")
    return urlunsplit(parts._replace(path=f"{head}/{connection.settings_dict['NAME']}"))


def signed_in_sessions(people) -> list:
    """A signed-in session row for each person, encoded by the project's session store as
    SessionStore.create() would write it, in one bulk insert (thousands in a second)."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from apps.accounts.sessions import SessionStore

    store, backend = SessionStore(), settings.AUTHENTICATION_BACKENDS[0]
    expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return SessionStore.get_model_class().objects.bulk_create(
        [
            SessionStore.get_model_class()(
                session_key=get_random_string(32, VALID_KEY_CHARS),
                session_data=store.encode(
                    {
                        SESSION_KEY: str(user.pk),
                        BACKEND_SESSION_KEY: backend,
                        HASH_SESSION_KEY: user.get_session_auth_hash(),
                    }
                ),
                expire_date=expires,
            )
            for user in people
        ],
        batch_size=5000,
    )
