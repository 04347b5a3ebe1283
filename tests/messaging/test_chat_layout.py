"""The chat's layout as the server draws it: two panes, day separators, one sender's messages
in a row grouped, reactions as icons, the empty states; the page's script redraws the same
from the data-* attributes checked here."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.messaging import services
from apps.messaging.models import Message
from apps.messaging.templatetags.messaging import chat_rows, day_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_anna(client, anna):
    client.force_login(anna)
    return client


def _at(message, moment):
    Message.objects.filter(pk=message.pk).update(created_at=moment)


def _classes(html: str, message) -> str:
    return re.search(rf'<li class="([^"]*)" id="m{message.pk}"', html).group(1)


def test_index_without_conversations_offers_to_start_one(as_anna):
    html = as_anna.get(reverse("messaging:index")).content.decode()
    assert "No conversations yet." in html and "Start a conversation" in html
    assert reverse("messaging:new") in html
    # The right rail is dropped: the chat needs the width.
    assert 'class="rail"' not in html and "dm-layout dm-at-index" in html


def test_list_rows_show_avatar_title_preview_time_and_unread(as_anna, anna, ben, direct):
    services.message_send(actor=ben, conversation=direct, body="Lunch at noon?")
    html = as_anna.get(reverse("messaging:index")).content.decode()
    row = re.search(rf'<li data-conversation="{direct.pk}">(.*?)</li>', html, re.S).group(1)
    assert 'class="avatar avatar-40' in row
    assert '<span class="dm-list-title">Ben Dubois</span>' in row
    assert "Ben Dubois: Lunch at noon?" in row and "<time " in row
    assert re.search(r'class="dm-unread [^"]*"[^>]*>1</span>', row)


def test_an_empty_conversation_says_so(as_anna, direct):
    html = as_anna.get(reverse("messaging:conversation", args=[direct.pk])).content.decode()
    assert 'id="dm-empty"' in html and "No messages yet." in html
    assert "dm-at-conversation" in html and 'class="rail"' not in html
    # The header: back to the list (phones), the title, the settings.
    assert reverse("messaging:index") in html and reverse("messaging:settings", args=[direct.pk]) in html


def test_days_are_separated_and_a_sender_s_messages_grouped(as_anna, anna, ben, direct):
    old, _ = services.message_send(actor=ben, conversation=direct, body="Two days ago")
    first, _ = services.message_send(actor=ben, conversation=direct, body="Morning")
    second, _ = services.message_send(actor=ben, conversation=direct, body="Are you there?")
    reply, _ = services.message_send(actor=anna, conversation=direct, body="Yes")
    late, _ = services.message_send(actor=anna, conversation=direct, body="Much later")
    ten = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=2)
    _at(old, ten - timedelta(days=1))
    _at(first, ten)
    _at(second, ten + timedelta(minutes=2))
    _at(reply, ten + timedelta(minutes=3))
    _at(late, ten + timedelta(minutes=40))
    html = as_anna.get(reverse("messaging:conversation", args=[direct.pk])).content.decode()
    days = re.findall(r'<li class="dm-day"><span>([^<]*)</span></li>', html)
    assert days == [day_label(ten - timedelta(days=1)), day_label(ten)]
    assert days[1] not in ("Today", "Yesterday") and str(ten.year) in days[1]
    assert "dm-continued" not in _classes(html, first)  # first of the day
    assert "dm-continued" in _classes(html, second)  # same sender, two minutes later
    assert "dm-continued" not in _classes(html, reply)  # another sender
    assert "dm-continued" not in _classes(html, late)  # same sender, 37 minutes later
    assert "mine" in _classes(html, reply) and "mine" not in _classes(html, first)
    # What the script needs to do the same for messages it inserts.
    assert f'data-day="{ten.date().isoformat()}"' in html and f'data-at="{int(ten.timestamp())}"' in html
    assert 'data-today="' in html and 'data-new-label="New messages"' in html


def test_chat_rows_rules():
    # Noon: minutes before "now" crossed midnight when CI ran just after it, and a new day
    # rightly breaks a sender's group.
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)

    class M:
        def __init__(self, sender, minutes, event=False):
            self.sender_id, self.created_at, self.is_event = sender, now - timedelta(minutes=minutes), event

    rows = chat_rows([M(1, 10), M(1, 8), M(1, 7, event=True), M(1, 6), M(2, 5), M(2, 4.5)])
    assert [row.continued for row in rows] == [False, True, False, False, False, True]
    assert rows[0].day == "Today" and all(row.day == "" for row in rows[1:])


def test_reactions_are_icons_not_emoji(as_anna, anna, ben, direct):
    message, _ = services.message_send(actor=ben, conversation=direct, body="Shipped!")
    services.message_react(actor=anna, message=message, kind="celebrate")
    html = as_anna.get(reverse("messaging:conversation", args=[direct.pk])).content.decode()
    assert 'data-kind="celebrate"' in html and "🎉" not in html and "👍" not in html


def test_search_without_results_says_so(as_anna, direct):
    html = as_anna.get(reverse("messaging:search"), {"q": "nothing like this"}).content.decode()
    assert "No message of yours holds these words." in html
