"""A notification shows when what it tells happened (the fact's time), never when a worker
got round to it: a fact three weeks old, processed now, says "16 Nov", not "6 min"."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from apps.facts.models import Fact
from apps.feeds.services import comment_create, post_create, reaction_set
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["time_zone"] = "Europe/Paris"
    session.save()
    return client


def shown_times(html: str) -> list[tuple[str, str]]:
    """(datetime attribute, visible text) of each <time> in the notifications."""
    return re.findall(r'<time datetime="([^"]+)"[^>]*><span aria-hidden="true">([^<]*)</span>', html)


def test_a_notification_about_an_event_three_weeks_old_shows_its_date(anna, bob, public, run_facts):
    post = post_create(actor=anna, community=public, body="Budget review with @bob.stone on Monday")
    three_weeks_ago = timezone.now().replace(microsecond=0) - dt.timedelta(weeks=3)
    # Its fact waited (a backlog, the demo's old activity): processed only now.
    Fact.objects.filter(data__post=post.pk).update(created_at=three_weeks_ago)
    run_facts()
    notification = Notification.objects.get(recipient=bob)
    assert notification.occurred_at == three_weeks_ago
    assert notification.created_at > three_weeks_ago + dt.timedelta(days=20)

    html = client_for(bob).get("/notifications/").content.decode()
    expected = three_weeks_ago.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    [(moment, text)] = shown_times(html)
    assert moment == expected
    local = three_weeks_ago.astimezone(ZoneInfo("Europe/Paris"))
    assert text in (f"{local.day} {local:%b}", f"{local.day} {local:%b} {local.year}")
    assert "min" not in text and " h" not in text


def test_a_merged_notification_shows_its_latest_event(anna, bob, carol, public, run_facts):
    post = post_create(actor=anna, community=public, body="Lunch?")
    now = timezone.now()
    reaction_set(actor=bob, kind="like", post=post)
    Fact.objects.filter(event="reaction", actor=bob).update(created_at=now - dt.timedelta(days=10))
    run_facts()
    reaction_set(actor=carol, kind="like", post=post)
    Fact.objects.filter(event="reaction", actor=carol).update(created_at=now - dt.timedelta(days=2))
    run_facts()
    notification = Notification.objects.get(recipient=anna)
    assert len(notification.actor_ids) == 2
    assert notification.occurred_at == Fact.objects.get(event="reaction", actor=carol).created_at


def test_a_late_fact_does_not_move_a_notification_back_in_time(anna, bob, carol, public, run_facts):
    post = post_create(actor=anna, community=None, body="Coffee?")
    comment_create(actor=bob, post=post, body="Yes")
    run_facts()
    latest = Notification.objects.get(recipient=anna).occurred_at
    comment_create(actor=carol, post=post, body="Me too")
    Fact.objects.filter(event="comment.created", actor=carol).update(created_at=latest - dt.timedelta(hours=1))
    run_facts()
    assert Notification.objects.get(recipient=anna).occurred_at == latest
