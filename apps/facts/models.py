"""The outbox: what happened, written by the app it happened in, in its own transaction.

A `Fact` is written with the content it is about (a post, a comment, an invitation): if the
transaction rolls back there is no fact, and once it commits the fact is there even if the
broker is down. Its consumers (today `notifications`) are handed it after commit by a task
queued by name, and by the beat sweep when that task never ran (services.py).

One `processed_at` per fact is enough while one consumer reads each event. A second
consumer of the same events (search indexing, webhooks, analytics) would get its own mark:
a `Delivery(fact, consumer, processed_at)` row with a unique (fact, consumer) constraint,
written by `services.fact_processing` instead of `processed_at`, and the sweep would look
for the (fact, subscribed consumer) pairs without one."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class FactQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(processed_at__isnull=True)


class Fact(models.Model):
    """`event` happened, done by `actor`; `data` holds the ids it is about (never the
    content itself: a consumer reads what is still there when it runs)."""

    event = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+")
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = FactQuerySet.as_manager()

    class Meta:
        indexes = [
            # The sweep's question: what is still pending, oldest first.
            models.Index(fields=["created_at"], name="fact_pending_idx", condition=Q(processed_at__isnull=True))
        ]

    def __str__(self):
        return f"{self.event} #{self.pk}"
