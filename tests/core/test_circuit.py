"""The Redis circuit breaker, against a real Redis stopped with SIGSTOP (connections
accepted, nothing answered): the first call that finds it hung opens the breaker within
the request timeout, later calls skip Redis at once, and the probe closes the breaker when
Redis answers again, without any call paying a timeout to find out."""

import time

import pytest
from django.conf import settings

from apps.core import circuit
from apps.core.cache import ResilientRedisCache
from apps.core.queue import enqueue_now
from tests.faults.stack import dedicated_redis

# What a call on a hung Redis may take: the timeout, and a loaded machine's slack.
TIMEOUT_SLACK = 0.25


def _cache(url: str) -> ResilientRedisCache:
    timeouts = {
        "socket_connect_timeout": settings.REDIS_REQUEST_TIMEOUT,
        "socket_timeout": settings.REDIS_REQUEST_TIMEOUT,
    }
    return ResilientRedisCache(url, {"KEY_PREFIX": "circuit-test", "OPTIONS": timeouts})


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_hung_redis_opens_the_breaker_and_the_probe_closes_it(caplog):
    with dedicated_redis() as redis_server:
        cache = _cache(redis_server.url)
        cache.set("where", "redis")
        breaker = cache.breaker
        assert not breaker.is_open

        redis_server.pause()
        try:
            # The first call waits for the timeout once, and opens the breaker.
            found, seconds = _timed(lambda: cache.get("where"))
            assert found is None and breaker.is_open
            assert seconds <= settings.REDIS_REQUEST_TIMEOUT + TIMEOUT_SLACK
            # The next ones do not wait at all.
            _found, seconds = _timed(lambda: [cache.get("where") for _ in range(20)])
            assert seconds < 0.25  # 20 timeouts would be 6 s; the count below says none reached Redis
            time.sleep(settings.REDIS_PROBE_INTERVAL * 2.5)
            assert breaker.is_open  # the probe's PINGs go unanswered
        finally:
            redis_server.resume()

        # Nobody calls: the probe alone sees Redis back.
        deadline = time.monotonic() + settings.REDIS_PROBE_INTERVAL + settings.REDIS_REQUEST_TIMEOUT + 2
        while breaker.is_open:
            assert time.monotonic() < deadline, "the probe did not close the breaker"
            time.sleep(0.05)
        found, seconds = _timed(lambda: cache.get("where"))
        assert found == "redis" and seconds < 0.2  # from Redis, not from process memory
    assert caplog.text.count("is not answering") == 1
    assert caplog.text.count("answers again") == 1
    assert "skipped meanwhile: 20 cache" in caplog.text


def test_a_killed_redis_opens_the_breaker_at_once():
    with dedicated_redis() as redis_server:
        cache = _cache(redis_server.url)
        cache.set("where", "redis")
        redis_server.kill()
        found, seconds = _timed(lambda: cache.get("where"))
        assert found is None and cache.breaker.is_open and seconds < 0.25  # refused: no timeout to wait


@pytest.mark.django_db
def test_while_open_a_task_is_not_queued_and_counted(caplog):
    breaker = circuit.breaker_for(settings.CELERY_BROKER_URL)
    assert enqueue_now("core.ping") is True
    breaker.trip(TimeoutError("test"), "task")
    try:
        queued, seconds = _timed(lambda: enqueue_now("core.ping"))
        assert queued is False and seconds < 0.1  # the publish timeout is 0.3 s
    finally:
        breaker.close()
    assert "skipped meanwhile: 1 task" in caplog.text
    assert enqueue_now("core.ping") is True
