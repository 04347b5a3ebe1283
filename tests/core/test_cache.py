import time

import pytest
from django.conf import settings

from apps.core import cache as cache_module
from apps.core.cache import ResilientRedisCache


def _cache(location):
    return ResilientRedisCache(
        location, {"KEY_PREFIX": settings.REDIS_PREFIX, "OPTIONS": {"socket_connect_timeout": 0.2}}
    )


def test_uses_redis_when_it_answers():
    first, second = _cache(settings.REDIS_URL), _cache(settings.REDIS_URL)
    first.set("shared", 1)
    # A second client (another process, in production) sees the value: it is in Redis.
    assert second.get("shared") == 1
    assert not first.using_fallback


def test_falls_back_to_process_memory_when_redis_is_down(caplog):
    cache = _cache("redis://127.0.0.1:1/0")
    cache.set("attempts", 3)
    assert cache.get("attempts") == 3
    assert cache.incr("attempts") == 4
    assert cache.using_fallback
    assert "Redis unreachable" in caplog.text


def test_tries_redis_again_after_the_pause(monkeypatch):
    monkeypatch.setattr(cache_module, "RETRY_AFTER", 0.05)
    cache = _cache("redis://127.0.0.1:1/0")
    cache.get("x")
    assert cache.using_fallback
    time.sleep(0.1)
    assert not cache.using_fallback


@pytest.mark.parametrize(
    "method",
    ["add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many", "clear"],
)
def test_every_cache_method_is_protected(method):
    assert (
        getattr(ResilientRedisCache, method).__qualname__
        != getattr(ResilientRedisCache.__mro__[1], method).__qualname__
    )
