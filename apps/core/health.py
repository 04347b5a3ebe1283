"""Readiness of the pieces the product depends on, for /healthz and docker-compose."""

import time

import redis
from django.conf import settings
from django.db import connection

from apps.core.tasks import ping_task


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001
        return False


def redis_ok() -> bool:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
        return bool(client.ping())
    except Exception:  # noqa: BLE001
        return False


def worker_ok(timeout: float = 1.0) -> bool:
    """A worker took the ping task from the queue and answered within `timeout`."""
    try:
        # Expires: with no worker running, unanswered pings must not pile up in the queue.
        result = ping_task.apply_async(expires=timeout * 5)
        return result.get(timeout=timeout) == "pong"
    except Exception:  # noqa: BLE001
        return False


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
    redis_up = redis_ok()
    return {
        "db": "ok" if database_ok() else "down",
        "redis": "ok" if redis_up else "down",
        # Workers are reached through Redis: without it there is no asking them.
        "worker": "ok" if redis_up and worker_ok() else "down",
    }
