"""The demo's notifications carry the time of what they tell (apps/demo/event_times.py):
its three weeks of activity are not all "6 min" old in everyone's notifications."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.feeds.models import Reaction
from apps.notifications.models import Kind, Notification
from tests.demo.test_demo import demo_media, seeded  # noqa: F401 (fixtures: one seed for the module)

pytestmark = pytest.mark.django_db


def test_notifications_show_when_their_events_happened(seeded):  # noqa: F811
    now = timezone.now()
    notifications = list(Notification.objects.select_related("post", "comment"))
    assert notifications
    # Most of the activity is days old, and so are most notifications.
    old = [n for n in notifications if n.occurred_at < now - timedelta(days=2)]
    assert len(old) > len(notifications) / 2
    for notification in notifications:
        assert notification.occurred_at <= now
        about_the_post = notification.kind in (Kind.PRAISE, Kind.ANNOUNCEMENT, Kind.MENTION)
        if about_the_post and notification.comment is None:
            assert notification.occurred_at == notification.post.created_at
        elif notification.comment is not None:
            assert notification.occurred_at >= notification.comment.created_at - timedelta(seconds=1)


def test_reactions_come_after_what_they_react_to(seeded):  # noqa: F811
    reactions = list(Reaction.objects.select_related("post", "comment"))
    assert reactions
    for reaction in reactions:
        subject = reaction.comment or reaction.post
        assert subject.created_at <= reaction.created_at <= timezone.now()
