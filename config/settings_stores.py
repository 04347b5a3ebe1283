"""Settings (one of the parts config/settings.py gathers): the database, Redis (cache,
sessions, the live process's channel layers) and Celery."""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config import embedded
from config.database import database_settings
from config.settings_core import env

# ---------------------------------------------------------------- data stores

DATABASES = {"default": database_settings(env)}
DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL")
# Everyone shares one Redis: keys are prefixed so that tests and several
# installations can live on one server.
REDIS_PREFIX = env.str("REDIS_PREFIX", default="esn")
# pytest-xdist's workers (make test runs two) share one Redis, and each deletes
# `{REDIS_PREFIX}:*` before every test: each worker keeps its keys, queues and channel groups
# under a prefix of its own. Written back, so that the processes a test starts inherit this
# prefix as it is (not suffixed twice).
_TEST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _TEST_WORKER and not REDIS_PREFIX.endswith(f"-{_TEST_WORKER}"):
    REDIS_PREFIX = os.environ["REDIS_PREFIX"] = f"{REDIS_PREFIX}-{_TEST_WORKER}"
# How long a request waits for Redis (connect, or each reply) before doing without: the
# broker's publishes, the live events and the cache. The first call that waits this long
# opens the Redis circuit breaker (apps/core/circuit.py): later calls are skipped at once,
# until a probe's PING, every REDIS_PROBE_INTERVAL seconds, is answered again.
REDIS_REQUEST_TIMEOUT = env.float("REDIS_REQUEST_TIMEOUT", default=0.3)
REDIS_PROBE_INTERVAL = env.float("REDIS_PROBE_INTERVAL", default=1.0)
if not 0 < REDIS_REQUEST_TIMEOUT <= 5 or not 0 < REDIS_PROBE_INTERVAL <= 60:
    raise ImproperlyConfigured("REDIS_REQUEST_TIMEOUT must be in ]0, 5] and REDIS_PROBE_INTERVAL in ]0, 60].")

CACHES = {
    "default": {
        # Falls back to per-process memory while Redis is unreachable (see apps/core/cache.py).
        "BACKEND": "apps.core.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_PREFIX,
        "OPTIONS": {"socket_connect_timeout": REDIS_REQUEST_TIMEOUT, "socket_timeout": REDIS_REQUEST_TIMEOUT},
    },
    # Rendered feed cards, per process: a key names one version of a card (apps/feeds/cards.py).
    "cards": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "feed-cards",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": env.int("FEED_CARD_CACHE_ENTRIES", default=5000)},
    },
}
SESSION_ENGINE = "apps.accounts.sessions"  # the database, read by a compiled statement

# Where the pages open their WebSocket. Empty: /ws/ on the page's own origin, which the
# reverse proxy sends to the live process (config.asgi_live; the web process serves /ws/
# too). Otherwise the live process's own address: `make run` sets ws://127.0.0.1:8001/ws/.
LIVE_URL = env.str("LIVE_URL", default="")
_live = urlsplit(LIVE_URL)
if LIVE_URL and (_live.scheme not in ("ws", "wss") or not _live.hostname or _live.path != "/ws/" or _live.query):
    raise ImproperlyConfigured(f"LIVE_URL must be a ws:// or wss:// address whose path is /ws/, not {LIVE_URL!r}")
# How often each live process checks that its sockets' sessions still exist (seconds): a
# socket whose session expired or was deleted closes within this long (apps/realtime/session_check.py).
LIVE_SESSION_CHECK_SECONDS = env.float("LIVE_SESSION_CHECK_SECONDS", default=30.0)
if not 0 < LIVE_SESSION_CHECK_SECONDS <= 60:
    raise ImproperlyConfigured("LIVE_SESSION_CHECK_SECONDS must be more than 0 and at most 60.")

# "redis" (lists, one per socket) or "pubsub" (Redis PUB/SUB): make bench compares them.
CHANNEL_LAYER_BACKENDS = {
    "redis": "apps.realtime.layers.BlockingPoolChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
# PUB/SUB is what make bench favours: a post to 1,000 sockets p95 87 ms against 114, an
# announcement's 1,000 notifications all shown within 0.5 s against 1.4 s.
CHANNEL_LAYER = env.str("CHANNEL_LAYER", default="pubsub")
if CHANNEL_LAYER not in CHANNEL_LAYER_BACKENDS:
    raise ImproperlyConfigured(f"CHANNEL_LAYER must be one of {', '.join(CHANNEL_LAYER_BACKENDS)}")
BROADCAST_LAYER = "broadcast"


def _channel_layer(**connection) -> dict:
    return {
        "BACKEND": CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER],
        "CONFIG": {
            "hosts": [{"address": REDIS_URL, **connection}],
            "prefix": f"{REDIS_PREFIX}:asgi",
            # Per channel: with RedisChannelLayer, all of a process's sockets share one
            # queue, which a notification to a thousand people fills at once.
            "capacity": 20000,
            "expiry": 60,
        },
    }


CHANNEL_LAYERS = {
    # The sockets' own: their subscriptions and the events they receive.
    "default": _channel_layer(
        # After a Redis restart the pooled connections are dead: each command
        # retries on a fresh one instead of failing once per stale connection.
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        socket_connect_timeout=1,
        # Longer than the layer's 5-second blocking read, which would otherwise
        # time out, crash the consumer and close its socket.
        socket_timeout=10,
    ),
    # The same layer, as the events sent while answering a request reach it (apps/core/
    # broadcast.py): a hung Redis is given up on after REDIS_REQUEST_TIMEOUT, not retried
    # (a dead pooled connection, after a restart, is retried once on a fresh one).
    BROADCAST_LAYER: _channel_layer(
        retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        retry_on_error=[RedisConnectionError],
        socket_connect_timeout=REDIS_REQUEST_TIMEOUT,
        socket_timeout=REDIS_REQUEST_TIMEOUT,
    ),
}

# ---------------------------------------------------------------- Celery

CELERY_BROKER_URL = REDIS_URL
# Celery's own processes (worker, beat) answer no request: they wait for a hung Redis and
# carry on when it answers, as they always did. Given the requests' short socket timeout,
# a worker lost its waiting BRPOP when Redis hung (its health check PING timed out) and
# took no task for 20 s and more after Redis came back (kombu drops such a connection only
# after brpop_timeout + 2 x health_check_interval, 51 s).
CELERY_PROCESS = Path(sys.argv[0]).name == "celery" or Path(sys.argv[0]).parent.name == "celery"
# The longest a task may run: a directory run or a contact import, the longest ones, hold
# a lease that lets a sweep resume them long before this (apps/directory/).
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=1800)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=CELERY_TASK_TIME_LIMIT - 60)
# A long task's lease (apps/core/lease.py): renewed every sixth of it while its worker lives;
# once it has expired, beat's sweep resumes or restarts the work (imports, directory runs).
TASK_LEASE_SECONDS = env.int("TASK_LEASE_SECONDS", default=60)
if not 1 <= TASK_LEASE_SECONDS < CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("TASK_LEASE_SECONDS must be at least 1 and less than CELERY_TASK_SOFT_TIME_LIMIT.")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": f"{REDIS_PREFIX}:celery:",
    # A task taken but not yet acknowledged (acks_late) is given to a worker again after
    # this long: longer than the hard time limit, so that a task still running (the
    # longest: a directory run or a contact import) is never delivered twice.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 300),
    "socket_connect_timeout": 1,
    **(
        {}
        if CELERY_PROCESS
        else {
            # A request's publish gives up on a hung Redis after this long (apps/core/queue.py).
            "socket_connect_timeout": REDIS_REQUEST_TIMEOUT,
            "socket_timeout": REDIS_REQUEST_TIMEOUT,
            # A connection that a timeout closed is opened again at the next publish, once:
            # not retried for broker_connection_timeout (measured: 6.9 s a publish).
            "max_retries": 0,
        }
    ),
}
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]:
    raise ImproperlyConfigured(
        "Needed: CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT."
    )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Results are kept only for the tasks that ask (the health check's ping), briefly.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": f"{REDIS_PREFIX}:celery-results:"}
CELERY_RESULT_EXPIRES = 300
if not CELERY_PROCESS:
    # The ping's answer, awaited by the web process's health check: a hung Redis is given
    # up on after a second, not after Celery's default 120 s in a thread /healthz shares.
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
    CELERY_REDIS_SOCKET_TIMEOUT = 1
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = False
# When the daily (and, on Mondays, weekly) notification digests go out. The schedules
# themselves are in config/celery.py: only Celery's processes load Celery.
DIGEST_HOUR_UTC = env.int("DIGEST_HOUR_UTC", default=6)
CELERY_BEAT_SCHEDULE_FILENAME = str(embedded.VAR_DIR / "celerybeat-schedule")
