"""A Redis cache that keeps working, per process, while Redis is unreachable.

Login rate limits (allauth) and the shared feed cards live in this cache. When Redis goes
away or stops answering, sign-in and pages must keep working: while the Redis circuit
breaker is open (apps/core/circuit.py, shared with the broker and the live events), calls
go to a local-memory cache instead, and back to Redis as soon as it answers a PING. The
limits still apply during an outage, counted per process instead of across all processes.

Except for the marks that stop a secret from being used twice: a TOTP code already used,
an identity token's id (allauth keeps them with cache.add). Kept in one process's memory
they would not be seen by the others, nor by this one of the marks made in Redis before
the outage: a code just used could be used again. While Redis is away such a mark cannot
be made, so the secret is refused (the person tries again a moment later, or uses a
recovery code, which lives in the database).
"""

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from apps.core import circuit


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
        # Django's private RedisCache._servers, checked against Django 5.2.19 (tests/core/test_private_apis.py).
        self._breaker_url = self._servers[0]

    @property
    def breaker(self) -> circuit.Breaker:
        return circuit.breaker_for(self._breaker_url)

    @property
    def using_fallback(self) -> bool:
        return self.breaker.is_open


# allauth's keys for "used once" marks: a TOTP code (mfa/totp/internal/auth.py) and an
# identity token's jti (socialaccount/internal/jwtkit.py), checked against django-allauth
# 65.21.1 (tests/core/test_private_apis.py).
USED_ONCE_MARKS = ("allauth.mfa.totp.used?", "jwt:iss=")
INVALIDATIONS = ("delete", "delete_many", "clear")


def _resilient(name):
    redis_method = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        breaker = self.breaker
        if breaker.allows("cache"):
            try:
                return redis_method(self, *args, **kwargs)
            except circuit.OUTAGE_ERRORS as error:
                breaker.trip(error, "cache")
        if name == "add" and str(kwargs.get("key", args[0] if args else "")).startswith(USED_ONCE_MARKS):
            return False  # not marked, so not accepted: as if already used
        if name in INVALIDATIONS:
            # Redis still holds what was deleted (a stale value, served again after the
            # outage): deleted there too once it answers.
            breaker.when_closed(lambda: redis_method(self, *args, **kwargs))
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
