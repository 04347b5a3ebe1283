"""One circuit breaker per Redis server and per process, for every Redis call made while
answering a request: the broker's publishes (queue.py), the live events (broadcast.py) and
the cache, where the sign-in rate limits live (cache.py).

Closed, calls go through. The first call that fails for want of Redis (refused, or no
answer within REDIS_REQUEST_TIMEOUT) opens it; while it is open every call is skipped at
once, and the caller does without: the write has been committed, and what its task or
event would have done is caught up by the sweeps and by the pages when they reconnect.
A probe thread PINGs the server every REDIS_PROBE_INTERVAL seconds and closes the breaker
as soon as it answers, so that no request pays a timeout to learn that Redis is back.
An outage is logged twice, when it starts and when it ends (with what was skipped), not
once per skipped call.
"""

import logging
import os
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

# What an unreachable or hung Redis raises: redis-py's errors, a socket's, and a timeout of
# our own (asyncio's and concurrent.futures' TimeoutError are the builtin one, an OSError).
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


class BreakerOpen(Exception):
    """A call not made: the breaker was open."""


def describe(url: str) -> str:
    """host:port/db, never the password."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}{parts.path or ''}"


class Breaker:
    def __init__(self, url: str, *, probe_interval: float, probe_timeout: float):
        self.url = url
        self.probe_interval = probe_interval
        self.probe_timeout = probe_timeout
        self._lock = threading.Lock()
        self._opened_at: float | None = None  # time.monotonic() when it opened; None: closed
        self._skipped: Counter = Counter()
        self._probe: threading.Thread | None = None
        self._probe_pid = 0
        # Called once, in the probe's thread, when Redis answers again: what could not wait
        # for an outage to end is done then (control messages to sockets, cache deletions).
        self._when_closed: list = []

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def allows(self, what: str) -> bool:
        """Whether a call may go to Redis now. False: skip it (it is counted as `what`)."""
        if self._opened_at is None:  # the common case: one attribute read, no lock
            return True
        with self._lock:
            if self._opened_at is None:
                return True
            self._skipped[what] += 1
            self._ensure_probe()
        return False

    def trip(self, error: BaseException, what: str) -> None:
        """A call failed for want of Redis: open (if it is not open already)."""
        with self._lock:
            if self._opened_at is not None:
                return
            self._opened_at = time.monotonic()
            self._skipped = Counter()
            self._ensure_probe()
        logger.warning(
            "Redis at %s is not answering (%s: %r): its calls are skipped until it answers a PING again",
            describe(self.url),
            what,
            error,
        )

    def answers(self) -> bool:
        """One PING, on a connection of its own, with the short timeout and no retry."""
        client = redis.Redis.from_url(
            self.url,
            socket_timeout=self.probe_timeout,
            socket_connect_timeout=self.probe_timeout,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            return bool(client.ping())
        except Exception:  # noqa: BLE001 - any failure means: not yet
            return False
        finally:
            client.close()

    def when_closed(self, callback) -> bool:
        """Call `callback()` once Redis answers again; False (not registered) when the breaker
        is closed already: the caller may use Redis now."""
        with self._lock:
            if self._opened_at is None:
                return False
            self._when_closed.append(callback)
            self._ensure_probe()
        return True

    def close(self) -> None:
        with self._lock:
            if self._opened_at is None:
                return
            lasted = time.monotonic() - self._opened_at
            skipped, self._skipped = self._skipped, Counter()
            callbacks, self._when_closed = self._when_closed, []
            self._opened_at = None
        summary = ", ".join(f"{count} {what}" for what, count in sorted(skipped.items())) or "nothing"
        logger.warning(
            "Redis at %s answers again after %.1f s; skipped meanwhile: %s", describe(self.url), lasted, summary
        )
        for callback in callbacks:
            try:
                callback()
            except Exception:  # one failed catch-up must not stop the others
                logger.exception("catching up after the Redis outage failed")

    def _ensure_probe(self) -> None:
        # Under the lock. A forked child (Celery's pool) inherits an open breaker without
        # the parent's thread: it starts its own.
        if self._probe is not None and self._probe_pid == os.getpid() and self._probe.is_alive():
            return
        self._probe_pid = os.getpid()
        self._probe = threading.Thread(target=self._probe_until_answered, name="redis-probe", daemon=True)
        self._probe.start()

    def _probe_until_answered(self) -> None:
        while True:
            time.sleep(self.probe_interval)
            if self.answers():
                self.close()
            with self._lock:
                # Opened again between close() and here: this probe goes on (a trip() meanwhile
                # saw it alive and started none).
                if self._opened_at is None:
                    self._probe = None
                    return

    def _after_fork(self) -> None:
        # A lock held by another thread at the fork would stay held forever in the child.
        self._lock = threading.Lock()
        self._probe = None
        self._when_closed = []  # the parent's to do, not the child's


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(url: str) -> Breaker:
    """This process's breaker for the Redis at `url` (the broker, the channel layer and the
    cache all use REDIS_URL: one breaker, so that the first of them to fail spares the rest)."""
    found = _breakers.get(url)
    if found is None:
        with _breakers_lock:
            found = _breakers.get(url)
            if found is None:
                found = _breakers[url] = Breaker(
                    url,
                    probe_interval=settings.REDIS_PROBE_INTERVAL,
                    probe_timeout=settings.REDIS_REQUEST_TIMEOUT,
                )
    return found


def _reset_after_fork() -> None:
    global _breakers_lock
    _breakers_lock = threading.Lock()
    for breaker in list(_breakers.values()):
        breaker._after_fork()


os.register_at_fork(after_in_child=_reset_after_fork)
