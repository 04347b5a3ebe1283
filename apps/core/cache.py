"""A Redis cache that keeps working, per process, while Redis is unreachable.

Login rate limits (allauth) live in this cache. When Redis goes away, sign-in must
keep working: calls fall back to a local-memory cache for `RETRY_AFTER` seconds,
then Redis is tried again. The limits still apply during an outage, counted per
process instead of across all processes.
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_AFTER = 5.0


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache(
            f"redis-fallback-{server}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
            },
        )
        self._redis_down_until = 0.0

    @property
    def using_fallback(self) -> bool:
        return time.monotonic() < self._redis_down_until


def _resilient(name):
    redis_method = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        if not self.using_fallback:
            try:
                return redis_method(self, *args, **kwargs)
            except REDIS_ERRORS as error:
                logger.warning("cache: Redis unreachable (%s); using process memory for %ss", error, RETRY_AFTER)
                self._redis_down_until = time.monotonic() + RETRY_AFTER
        return getattr(self._fallback, name)(*args, **kwargs)

    method.__name__ = name
    return method


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(ResilientRedisCache, _name, _resilient(_name))
