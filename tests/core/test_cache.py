import itertools

import pytest
from django.conf import settings

from apps.core.cache import ResilientRedisCache

_dead = itertools.count(1)


def _cache(location):
    return ResilientRedisCache(
        location,
        {"KEY_PREFIX": settings.REDIS_PREFIX, "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}},
    )


def _dead_redis() -> str:
    # Nothing listens on port 1. A database of its own per test: a breaker of its own.
    return f"redis://127.0.0.1:1/{next(_dead)}"


def test_uses_redis_when_it_answers():
    first, second = _cache(settings.REDIS_URL), _cache(settings.REDIS_URL)
    first.set("shared", 1)
    # A second client (another process, in production) sees the value: it is in Redis.
    assert second.get("shared") == 1
    assert not first.using_fallback


def test_falls_back_to_process_memory_when_redis_is_down(caplog):
    cache = _cache(_dead_redis())
    cache.set("attempts", 3)
    assert cache.get("attempts") == 3
    assert cache.incr("attempts") == 4
    assert cache.using_fallback
    assert caplog.text.count("is not answering") == 1  # once per outage, not once per call


def test_shares_the_breaker_of_its_redis():
    """The first of the cache, the broker and the live events to find Redis gone spares
    the others the wait: one breaker per Redis server."""
    location = _dead_redis()
    first, second = _cache(location), _cache(location)
    first.get("x")
    assert second.using_fallback and second.breaker is first.breaker


@pytest.mark.parametrize(
    "method",
    ["add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many", "clear"],
)
def test_every_cache_method_is_protected(method):
    assert (
        getattr(ResilientRedisCache, method).__qualname__
        != getattr(ResilientRedisCache.__mro__[1], method).__qualname__
    )


@pytest.mark.django_db
def test_a_totp_code_cannot_be_used_twice_while_redis_is_away():
    """The mark that a code was used lives in Redis: process memory would not know the marks
    made before the outage, nor those of the other processes. While Redis is away a code is
    refused, and accepted again (once) when it is back."""
    import time

    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
    from django.core.cache import cache

    from tests.factories import UserFactory

    secret = generate_totp_secret()
    totp = TOTP.activate(UserFactory(), secret)
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    assert totp.validate_code(code) is True
    assert totp.validate_code(code) is False
    cache.breaker.trip(TimeoutError("Redis stopped answering"), "cache")
    assert totp.validate_code(code) is False  # was accepted again: the replay went unseen
    # Back: the code's mark (made in Redis before the outage) expires as it would, and the
    # code works again, once.
    cache.breaker.close()
    cache.delete(totp._get_used_cache_key(code))
    assert totp.validate_code(code) is True
    assert totp.validate_code(code) is False


def test_a_deletion_made_while_redis_is_away_reaches_redis_when_it_answers():
    """An invalidation (the directory's facets, say) made during an outage would otherwise
    leave Redis serving the stale value once it is back."""
    from django.core.cache import cache

    cache.set("facets", "stale")
    cache.breaker.trip(TimeoutError("Redis stopped answering"), "cache")
    cache.delete("facets")
    assert cache.get("facets") is None
    cache.breaker.close()
    assert cache.get("facets") is None
