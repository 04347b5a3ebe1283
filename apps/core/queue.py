"""The one way to queue a Celery task: after the current transaction commits.

If the broker is down or hung the write has already succeeded; the task is not queued and
the sweep that owns that kind of work (a beat schedule) does it later. A publish waits at
most REDIS_REQUEST_TIMEOUT for Redis (the broker's socket_timeout); the first one that
fails opens the Redis circuit breaker (apps/core/circuit.py), and while it is open tasks
are skipped at once instead of each request waiting for the timeout.

Tasks are named, not imported: an app's tasks call its services, so its services name the
task they queue (the layers of docs/architecture.md: a services module never imports a
tasks module). The name is looked up in Celery's registry, so a task's options, eager mode
in tests and a test's patch of the task all apply as if it had been imported.
"""

import logging
from importlib import import_module

from django.apps import apps as django_apps
from django.conf import settings
from django.db import transaction

from apps.core import circuit

logger = logging.getLogger(__name__)


def task_named(name: str):
    """The registered Celery task called `name` (its @app.task(name=...))."""
    # Here, not at the top: the live process imports this module but never loads Celery.
    from config.celery import app

    if name not in app.tasks:
        # Tasks are named "<app label>.<task>": import that app's tasks module. Not Celery's
        # own autodiscovery (loader.import_default_modules), which runs Django's system
        # checks first: a request must not pay for them.
        import_module(f"{django_apps.get_app_config(name.split('.', 1)[0]).name}.tasks")
    return app.tasks[name]


def enqueue_now(task_name: str, *args) -> bool:
    """Publish the task; False if it was not queued (broker unreachable, or already known
    to be: the breaker is open)."""
    from kombu.exceptions import OperationalError  # a broker kombu cannot reach

    task = task_named(task_name)

    breaker = circuit.breaker_for(task.app.conf.broker_url or settings.CELERY_BROKER_URL)
    if not breaker.allows("task"):
        logger.debug("task %s%r not queued: Redis is not answering", task.name, args)
        return False
    try:
        # No publish retries: a request must not wait on a dead broker.
        task.apply_async(args=args, retry=False)
    except (*circuit.OUTAGE_ERRORS, OperationalError) as error:
        breaker.trip(error, "task")
        logger.info("task %s%r not queued: %r", task.name, args, error)
        return False
    except Exception as error:  # noqa: BLE001 - the committed write stands; a sweep catches up
        logger.warning("task %s%r not queued: %r", task.name, args, error)
        return False
    return True


def enqueue_on_commit(task_name: str, *args) -> None:
    task_named(task_name)  # an unknown name fails here, before the write commits, not after
    transaction.on_commit(lambda: enqueue_now(task_name, *args))
