import importlib
import sys

import factory.random
import pytest
import redis
from django.conf import settings
from django.utils import translation

from config.celery import app as celery_app
from tests import exclusive


def pytest_addoption(parser):
    parser.addoption("--benchmarks", action="store_true", help="collect tests/benchmarks (make bench)")


def pytest_ignore_collect(collection_path, config):
    # Benchmarks print figures and take minutes: only `make bench` runs them.
    if "benchmarks" in collection_path.parts and not config.getoption("--benchmarks"):
        return True
    return None


def _delete_test_keys():
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match=f"{settings.REDIS_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def reproducible_factories(request):
    """The factories' made-up values (names, job titles...) depend on the test alone, not
    on the tests run before it: a test whose search happens to match a random job title
    ("Best boy" for "be") fails every time or never, not once in a while."""
    factory.random.reseed_random(request.node.nodeid)


@pytest.fixture(autouse=True)
def clean_redis():
    """Rate-limit counters, cached values and channel groups do not leak between tests."""
    _delete_test_keys()
    yield


@pytest.fixture(autouse=True)
def closed_breakers():
    """A Redis outage staged by one test leaves this process's breaker open for up to a
    probe interval: the next test's tasks and events must not be skipped for it."""
    yield
    from apps.core import circuit

    for breaker in list(circuit._breakers.values()):
        breaker.close()
    # What the cache kept in process memory meanwhile is not the next test's.
    from django.core.cache import caches

    caches["default"]._fallback.clear()


@pytest.fixture(autouse=True)
def default_language():
    """A request in French (the language cookie) leaves French active in the thread:
    the next test starts in the default language again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def celery_eager():
    """Run tasks inline, for a unit test that asks for it."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (threads pool) consuming from the real Redis broker."""
    from celery.contrib.testing.worker import start_worker

    with start_worker(
        celery_app, pool="threads", concurrency=1, perform_ping_check=False, loglevel="WARNING"
    ) as worker:
        yield worker


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def staff_user(db):
    from tests.factories import UserFactory

    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def sent(monkeypatch):
    """The live events sent after commit, as (group, payload) in the order sent; nothing reaches
    Redis. Both ways of sending are caught, one event (`send_now`) and many at once
    (`send_many_now`), in apps.core.broadcast and in every module that imported them by name
    (apps.messaging.events does). Socket controls (close, recheck) are not events: not caught."""
    from apps.core import broadcast

    captured: list[tuple[str, dict]] = []

    def send_now(group, payload):
        captured.append((group, payload))
        return True

    def send_many_now(messages):
        captured.extend(messages)
        return len(messages)

    fakes = [("send_now", broadcast.send_now, send_now), ("send_many_now", broadcast.send_many_now, send_many_now)]
    for module in [module for name, module in sys.modules.items() if name.startswith("apps.")]:
        for name, real, fake in fakes:
            if getattr(module, name, None) is real:
                monkeypatch.setattr(module, name, fake)
    return captured


def _rows_made_by_migrations(sender, **kwargs):
    """A transactional test ends with a flush, which empties every table, then sends
    post_migrate: the rows a data migration made come back here, as after `migrate`. Run
    alone, pytest-django orders such tests last; a worker of `make test -n 2` takes whole
    files, in which a test reading those rows may follow a transactional one."""
    from django.apps import apps

    private_by_default = importlib.import_module("apps.profiles.migrations.0004_private_by_default")
    private_by_default.make_private(apps, None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Setup, call and teardown in one turn: tests/exclusive.py says why."""
    with exclusive.turn(exclusive.lock_directory(), item.get_closest_marker("exclusive") is not None):
        yield


def _flush_retried_after_a_deadlock(original):
    """A transactional test's closing flush (TRUNCATE of every table) can deadlock with a
    request the live server is still answering for a browser test that just ended; PostgreSQL
    then cancels the flush, and the next test finds the last one's rows. Once the request has
    ended, the flush goes through: try again, three times at most."""
    import time

    from django.core.management.base import CommandError
    from django.db import OperationalError

    def flush(self):
        for attempt in range(3):
            try:
                return original(self)
            except (CommandError, OperationalError) as error:
                # The flush command reports the database's error as a CommandError from it.
                if "deadlock detected" not in f"{error} {error.__cause__}" or attempt == 2:
                    raise
                time.sleep(0.5)

    return flush


def pytest_configure(config):
    from django.apps import apps
    from django.test import testcases

    testcases.TransactionTestCase._fixture_teardown = _flush_retried_after_a_deadlock(
        testcases.TransactionTestCase._fixture_teardown
    )
    from django.conf import settings as django_settings
    from django.db.models.signals import post_migrate

    post_migrate.connect(
        _rows_made_by_migrations, sender=apps.get_app_config("profiles"), dispatch_uid="tests-migration-rows"
    )

    # Benchmarks time what one process does alone: beside another worker their figures mean nothing.
    if config.getoption("--benchmarks") and getattr(config.option, "numprocesses", None):
        raise pytest.UsageError("--benchmarks runs in one process: drop -n (make bench does).")

    # Hashing is not under test here; PBKDF2's deliberate slowness would dominate the suite.
    django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
