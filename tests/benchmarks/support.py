"""What the benchmarks that start a server in another process share."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


BASE_DIR = Path(__file__).resolve().parents[2]


class UvicornServer:
    """config.asgi:application under uvicorn, as `make run` starts a web process, in its own
    process on the test database; `env` adds to the environment (pool, media root)."""

    def __init__(self, *, workers: int = 1, timeout: float = 30, env: dict | None = None):
        self.port, self.timeout = free_port(), timeout
        env = {**os.environ, "DATABASE_URL": bench_database_url(), "CONN_MAX_AGE": "0", **(env or {})}
        command = [str(Path(sys.executable).parent / "uvicorn"), "config.asgi:application", "--host", "127.0.0.1",
                   "--port", str(self.port), "--lifespan", "off", "--no-server-header", "--no-access-log",
                   "--log-level", "warning", "--workers", str(workers)]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=env)

    def wait(self, path: str = "/healthz", cookie: str = "") -> None:
        """Until `path` answers 200 (a page, with `cookie`, once every worker is up)."""
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, "uvicorn exited"
            try:
                connection = self.connection()
                connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                response = connection.getresponse()
                response.read()
                assert response.status == 200, response.status
                return
            except OSError:
                assert time.monotonic() < deadline, "uvicorn did not answer"
                time.sleep(0.2)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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
