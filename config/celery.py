"""The Celery application. Only what queues or runs tasks imports it (the task modules
bind their tasks to it): the live process, which never does, does not load Celery."""

import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# DjangoTask gives every task delay_on_commit(): tasks are queued only once the
# transaction that asked for them has committed.
app = Celery("enterprise", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0


def _expiring(period: float, margin: float, **entry) -> dict:
    """A beat entry whose runs expire when the next is queued: beat queues on time whether
    or not a worker is there, and after an outage the worker would otherwise run every
    run that piled up (a thousand sweeps after a day) instead of the last one."""
    return {**entry, "options": {"expires": period - margin}}


app.conf.beat_schedule = {
    # Catches up with invitations whose e-mail could not be queued (broker down).
    "send-unsent-invitations": _expiring(5 * MINUTE, 10, task="accounts.send_unsent_invitations", schedule=5 * MINUTE),
    # Facts whose consumers' tasks could not be queued (broker down) are processed late, not lost.
    "facts-sweep": _expiring(MINUTE, 5, task="facts.sweep", schedule=MINUTE),
    "facts-prune": _expiring(DAY, HOUR, task="facts.prune", schedule=crontab(hour=3, minute=30)),
    # Immediate e-mails that could not be queued (broker down) are sent late, not lost.
    "notifications-sweep": _expiring(MINUTE, 5, task="notifications.sweep", schedule=MINUTE),
    # A digest held up by an outage still goes out, later that day (or week); not twice.
    "notifications-daily-digest": _expiring(
        DAY,
        HOUR,
        task="notifications.digest",
        schedule=crontab(hour=settings.DIGEST_HOUR_UTC, minute=0),
        args=("daily",),
    ),
    "notifications-weekly-digest": _expiring(
        7 * DAY,
        HOUR,
        task="notifications.digest",
        schedule=crontab(hour=settings.DIGEST_HOUR_UTC, minute=15, day_of_week="mon"),
        args=("weekly",),
    ),
    "notifications-prune": _expiring(DAY, HOUR, task="notifications.prune", schedule=crontab(hour=3, minute=30)),
    # Each directory source has its own interval: this only looks for the ones that are due.
    # It also sweeps the contact imports and directory runs whose worker died (their lease,
    # renewed every 10 s, expired after 60 s): imports resume, runs start again.
    "directory-schedule": _expiring(MINUTE, 5, task="directory.schedule", schedule=MINUTE),
    # Direct messages still unread after MESSAGING_EMAIL_DELAY_MINUTES are e-mailed.
    "messaging-email-unread": _expiring(MINUTE, 5, task="messaging.email_unread", schedule=MINUTE),
    # Attached images too large to decode during the request whose task never ran (broker
    # down) or whose worker died on them are re-encoded late, not lost.
    "feeds-sweep-attachments": _expiring(MINUTE, 5, task="feeds.sweep_attachments", schedule=MINUTE),
    "messaging-sweep-attachments": _expiring(MINUTE, 5, task="messaging.sweep_attachments", schedule=MINUTE),
    # The text of attached documents, for search (apps/search/services.py says why a sweep).
    "search-extract-documents": _expiring(MINUTE, 5, task="search.extract_documents", schedule=MINUTE),
}
app.autodiscover_tasks()
