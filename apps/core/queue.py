"""The one way to queue a Celery task: after the current transaction commits.

If the broker is down the write has already succeeded; the task is dropped with a
warning and the sweep that owns that kind of work (a beat schedule) sends it later.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args) -> None:
    def send():
        try:
            # No publish retries: a request must not wait on a dead broker.
            task.apply_async(args=args, retry=False)
        except Exception as error:  # noqa: BLE001 - the committed write stands; a sweep catches up
            logger.warning("task %s%r not queued: %r", task.name, args, error)

    transaction.on_commit(send)
