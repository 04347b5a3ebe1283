"""The notification pages: the list, opening one, marking all read, the settings, and the
unsubscribe link that works signed out."""

import pytest
from django.core import mail
from django.test import Client

from apps.feeds.services import post_create
from apps.notifications import emails
from apps.notifications.models import Channel, EmailSettings, Kind, Notification, Preference

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mentioned(anna, bob, public, run_facts):
    post = post_create(actor=anna, community=public, body="Budget review with @bob.stone on Monday")
    run_facts()
    return post


def test_the_list_shows_the_notification_and_the_count(bob, mentioned):
    response = client_for(bob).get("/notifications/")
    text = response.content.decode()
    assert "Anna Martin mentioned you" in text
    assert "Budget review with" in text
    assert "notification-unread" in text
    assert client_for(bob).get("/notifications/count/").json() == {"unread": 1}


def test_opening_marks_read_and_leads_to_the_post(bob, mentioned):
    notification = Notification.objects.get()
    response = client_for(bob).post(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == f"/posts/{mentioned.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_is_a_404(anna, carol, mentioned):
    notification = Notification.objects.get()
    for person in (anna, carol):
        assert client_for(person).post(f"/notifications/{notification.pk}/open/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read(bob, mentioned):
    client = client_for(bob)
    assert client.post("/notifications/read-all/").status_code == 302
    assert client.get("/notifications/count/").json() == {"unread": 0}


def test_settings_save_and_refuse_what_is_not_offered(bob):
    client = client_for(bob)
    data = dict.fromkeys(Kind.values, Channel.IN_APP)
    data[Kind.MENTION] = "carrier-pigeon"
    response = client.post("/notifications/settings/", data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Preference.objects.exists()
    data[Kind.MENTION] = Channel.WEEKLY
    assert client.post("/notifications/settings/", data).status_code == 302
    assert Preference.objects.get(user=bob, kind=Kind.MENTION).channel == Channel.WEEKLY


def test_unsubscribe_link_works_signed_out_and_asks_first(bob):
    token = emails.unsubscribe_token(bob.pk, Kind.COMMENT)
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(f"/notifications/unsubscribe/{token}/")
    assert page.status_code == 200
    assert not Preference.objects.exists()  # a mail scanner opening the link changes nothing
    assert anonymous.post(f"/notifications/unsubscribe/{token}/").status_code == 200
    assert Preference.objects.get(user=bob, kind=Kind.COMMENT).channel == Channel.IN_APP


def test_a_forged_or_altered_unsubscribe_token_is_a_404(bob):
    token = emails.unsubscribe_token(bob.pk, Kind.COMMENT)
    assert Client().get(f"/notifications/unsubscribe/{token[:-2]}xx/").status_code == 404
    assert Client().post("/notifications/unsubscribe/not-a-token/").status_code == 404
    assert not Preference.objects.exists()


def test_choosing_a_language_sets_the_language_of_ones_emails(bob):
    client = client_for(bob)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert EmailSettings.objects.get(user=bob).language == "fr"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert EmailSettings.objects.get(user=bob).language == "fr"


def test_a_mention_is_emailed_at_once_in_the_recipients_language(anna, bob, public, run_facts):
    EmailSettings.objects.create(user=bob, language="fr")
    post_create(actor=anna, community=public, body="Revue du budget avec @bob.stone")
    run_facts()
    notification = Notification.objects.get()
    assert notification.email == Channel.IMMEDIATE
    assert emails.send_immediate([notification.pk]) == 1
    assert emails.send_immediate([notification.pk]) == 0  # never twice
    [message] = mail.outbox
    assert message.to == [bob.email]
    assert "Anna Martin vous a mentionné" in message.subject
    html = message.alternatives[0][0]
    assert "Revue du budget" in html and "/notifications/unsubscribe/" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_digest_is_one_email_per_person_and_never_repeats(anna, bob, carol, public, run_facts):
    from apps.feeds.services import comment_create

    first = post_create(actor=bob, community=None, body="First")
    second = post_create(actor=bob, community=None, body="Second")
    comment_create(actor=anna, post=first, body="Nice one")
    comment_create(actor=carol, post=second, body="Indeed")
    run_facts()
    assert Notification.objects.filter(recipient=bob, email=Channel.DAILY).count() == 2
    assert emails.send_digests(channel=Channel.DAILY) == 1
    assert emails.send_digests(channel=Channel.DAILY) == 0
    [digest] = mail.outbox
    assert "2 new notifications" in digest.subject
    assert "Nice one" in digest.body and "Indeed" in digest.body


def test_a_read_or_no_longer_readable_item_is_not_emailed(anna, bob, private, run_facts):
    from apps.communities.services import membership_transition

    post_create(actor=anna, community=private, body="For @bob.stone only")
    run_facts()
    membership_transition(actor=anna, community=private, user=bob, action="remove")
    assert emails.send_immediate(list(Notification.objects.values_list("pk", flat=True))) == 0
    assert mail.outbox == []


@pytest.mark.parametrize("count", [1, 20])
def test_the_page_runs_a_constant_number_of_queries(count, anna, bob, public, run_facts, django_assert_num_queries):
    for n in range(count):
        post_create(actor=anna, community=public, body=f"Number {n} for @bob.stone")
    run_facts()
    client = client_for(bob)
    client.get("/notifications/")  # the session and the user, read once as on any page
    with django_assert_num_queries(6):
        response = client.get("/notifications/")
    assert response.content.decode().count('class="notification ') == count


def test_unsubscribing_also_stops_what_was_waiting_for_the_digest(anna, bob, run_facts):
    from apps.feeds.services import comment_create

    post = post_create(actor=bob, community=None, body="First")
    comment_create(actor=anna, post=post, body="Nice one")
    run_facts()
    token = emails.unsubscribe_token(bob.pk, Kind.COMMENT)
    Client().post(f"/notifications/unsubscribe/{token}/")
    assert emails.send_digests(channel=Channel.DAILY) == 0
    assert list(Notification.objects.values_list("email", flat=True)) == [Channel.IN_APP]


def test_unsubscribing_keeps_a_kind_that_was_off_off(bob):
    Preference.objects.create(user=bob, kind=Kind.REACTION, channel=Channel.OFF)
    Client().post(f"/notifications/unsubscribe/{emails.unsubscribe_token(bob.pk, Kind.REACTION)}/")
    assert Preference.objects.get(user=bob, kind=Kind.REACTION).channel == Channel.OFF
