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
app.conf.beat_schedule = {
    # Catches up with invitations whose e-mail could not be queued (broker down).
    "send-unsent-invitations": {"task": "accounts.send_unsent_invitations", "schedule": 300.0},
    # Notifications whose task could not be queued (broker down) are processed late, not lost.
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 60.0},
    "notifications-daily-digest": {
        "task": "notifications.digest",
        "schedule": crontab(hour=settings.DIGEST_HOUR_UTC, minute=0),
        "args": ("daily",),
    },
    "notifications-weekly-digest": {
        "task": "notifications.digest",
        "schedule": crontab(hour=settings.DIGEST_HOUR_UTC, minute=15, day_of_week="mon"),
        "args": ("weekly",),
    },
    "notifications-prune": {"task": "notifications.prune", "schedule": crontab(hour=3, minute=30)},
    # Each directory source has its own interval: this only looks for the ones that are due.
    "directory-schedule": {"task": "directory.schedule", "schedule": 60.0},
    # Direct messages still unread after MESSAGING_EMAIL_DELAY_MINUTES are e-mailed.
    "messaging-email-unread": {"task": "messaging.email_unread", "schedule": 60.0},
    # Attached images too large to decode during the request whose task never ran (broker
    # down) or whose worker died on them are re-encoded late, not lost.
    "feeds-sweep-attachments": {"task": "feeds.sweep_attachments", "schedule": 60.0},
    "messaging-sweep-attachments": {"task": "messaging.sweep_attachments", "schedule": 60.0},
}
app.autodiscover_tasks()
