"""A live message's HTML is rendered in each reader's time zone, never in the sender's: the
request that sends runs in the sender's zone, which may be private (found in review)."""

import re

import pytest

from apps.messaging import events
from apps.messaging.services import conversation_direct_open
from apps.profiles.models import ProfileFieldPolicy
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_live_message_is_rendered_in_the_readers_zone_not_the_senders(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    ProfileFieldPolicy.objects.update_or_create(field="time_zone", defaults={"is_private": True})
    sender = ProfileFactory(user=UserFactory(first_name="Ada", last_name="L"), time_zone="Asia/Tokyo").user
    reader = ProfileFactory(user=UserFactory(first_name="Eve", last_name="E"), time_zone="").user
    conversation = conversation_direct_open(actor=sender, other=reader)
    sent = []
    monkeypatch.setattr(events, "send_many_now", lambda evs: sent.extend(evs) or len(evs))
    client.force_login(sender)
    # What timezone.js does on the sender's first page: the session now holds Asia/Tokyo.
    assert client.post("/people/me/time-zone/", {"time_zone": "Asia/Tokyo"}).json() == {"time_zone": "Asia/Tokyo"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/messages/{conversation.pk}/send/", {"body": "hello"})
    assert response.status_code in (200, 201, 204, 302)
    to_reader = [payload for group, payload in sent if group.endswith(f".{reader.pk}") or str(reader.pk) in group]
    assert to_reader, sent
    html = to_reader[0]["html"]
    iso = re.search(r'datetime="([^"]+)"', html)[1]
    title = re.search(r'title="([^"]+)"', html)[1]
    # The reader has no zone: the site's applies to them; the title must not be Tokyo time.
    hour_utc = int(iso[11:13])
    assert f"{(hour_utc + 9) % 24:02d}:" not in title and f"{(hour_utc + 9) % 24}:" not in title, title
