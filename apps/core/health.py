"""Readiness of the pieces the product depends on, for /healthz and docker-compose.

/healthz answers within HEALTHZ_TIMEOUT_SECONDS whatever hangs. A hung server accepts
connections and the bytes sent, then never answers, so no check can be trusted to return:
each runs in a thread of its own, and a piece whose check has not answered in time is
"down". The database is checked on a connection of its own, not a pooled one: a request
must not wait for a free connection to learn that the database hangs. One check per piece
runs at a time: /healthz asked again while a check still waits shares its answer instead of
starting another, so that a hung server never piles threads up; each check ends by itself
(the connection's own timeouts).
"""

import contextlib
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

import redis
from django.conf import settings
from django.db import connection

from apps.core.queue import task_named
from config.database_connection import BoundedConnection

# All the checks together: well within the 2 seconds a load balancer's probe allows.
HEALTHZ_TIMEOUT_SECONDS = 1.5


def database_ok(params: dict | None = None, timeout: float = HEALTHZ_TIMEOUT_SECONDS) -> bool:
    """A new connection (Django's parameters, without the pool: connect_timeout included)
    answers SELECT 1 within `timeout`."""
    try:
        params = {**(params or connection.get_connection_params()), "autocommit": True}
        with BoundedConnection.connect(**params) as conn:
            conn.read_timeout = timeout
            return conn.execute("SELECT 1").fetchone() == (1,)
    except Exception:  # noqa: BLE001
        return False


def redis_ok() -> bool:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001
        return False


def worker_ok(timeout: float = 1.0) -> bool:
    """A worker took the ping task from the queue and answered within `timeout`."""
    result = None
    try:
        # Expires: with no worker running, unanswered pings must not pile up in the queue.
        result = task_named("core.ping").apply_async(expires=timeout * 5)
        return result.get(timeout=timeout) == "pong"
    except Exception:  # noqa: BLE001
        return False
    finally:
        if result is not None:
            _stop_waiting(result)


def _stop_waiting(result) -> None:
    """Unsubscribe from the ping's answer here, in the worker check's own thread. Left to
    AsyncResult.__del__, Celery unsubscribes from whichever thread the garbage collector
    happens to run in: on a hung Redis, that thread (a request's, or the database check's,
    which then made /healthz say the database was down) waited for Redis's socket timeout."""
    with contextlib.suppress(Exception):
        result.backend.remove_pending_result(result)


class _Check:
    """One piece's check, run in a thread: one at a time, its answer shared by whoever asks meanwhile."""

    def __init__(self, name: str, measure):
        self.name, self.measure = name, measure
        self.lock = threading.Lock()
        self.running: Future | None = None

    def start(self, *args) -> Future:
        """The check running now, or a new one."""
        with self.lock:
            if self.running is None or self.running.done():
                self.running = Future()
                thread = threading.Thread(target=self._run, args=(self.running, args), name=f"healthz-{self.name}")
                thread.daemon = True
                thread.start()
            return self.running

    def _run(self, future: Future, args: tuple) -> None:
        try:
            future.set_result(bool(self.measure(*args)))
        except BaseException:  # noqa: BLE001 - a check that fails says "down"
            future.set_result(False)


def _answer(future: Future, deadline: float) -> bool:
    """The check's answer, False if it has none by `deadline` (a time.monotonic())."""
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        return False


_database = _Check("db", database_ok)
_redis = _Check("redis", redis_ok)
_worker = _Check("worker", worker_ok)

_last: tuple[float, dict] | None = None


def status() -> dict[str, str]:
    """The readiness of each piece, measured at most once per HEALTHZ_CACHE_SECONDS per
    process: /healthz is public, and each measure costs a task and up to a second."""
    global _last
    now = time.monotonic()
    if _last and now - _last[0] < settings.HEALTHZ_CACHE_SECONDS:
        return dict(_last[1])
    measured = _measure()
    _last = (now, measured)
    return dict(measured)


def _measure() -> dict[str, str]:
    deadline = time.monotonic() + HEALTHZ_TIMEOUT_SECONDS
    # Together: a hung database and a hung Redis cost one timeout, not two.
    database = _database.start(connection.get_connection_params(), HEALTHZ_TIMEOUT_SECONDS)
    redis_up = _answer(_redis.start(), deadline)
    # Workers are reached through Redis: without it there is no asking them.
    worker_up = redis_up and _answer(_worker.start(max(0.1, deadline - time.monotonic())), deadline)
    return {
        "db": "ok" if _answer(database, deadline) else "down",
        "redis": "ok" if redis_up else "down",
        "worker": "ok" if worker_up else "down",
    }
