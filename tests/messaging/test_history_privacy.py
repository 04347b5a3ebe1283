"""What a group's participants read of its history: the periods they took part in, nothing else.

Someone removed (or gone) and added back never reads what was sent while they were away, on
any surface: the conversation page, its history pages and `?at=` links, one message, search,
quotes in replies, reactions, files, unread counts, e-mails, live events and read receipts.
Someone new reads the history chosen by whoever adds them: none, the last days, or all.
Canaries in the bodies and file names tell what reached whom."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.messaging import emails, selectors, services
from apps.messaging.models import Message, MessageReaction, SharedHistory
from tests.messaging.conftest import of_type

pytestmark = pytest.mark.django_db

BEFORE, GAP, AFTER = "canary-before-1d4e", "canary-gap-9b2c", "canary-after-77aa"
OLD, RECENT, TODAY, NEW = "canary-old-31f0", "canary-recent-5e8d", "canary-today-a4c2", "canary-new-0b7e"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode()


def _pages(client, conversation, messages) -> dict[str, str]:
    """Every page of the conversation a participant reaches, by what it is."""
    history = reverse("messaging:history", args=[conversation.pk])
    newest = max(m.pk for m in messages)
    pages = {
        "conversation": reverse("messaging:conversation", args=[conversation.pk]),
        "history": history,
        "history after": history + "?after=0",
        "history before": history + f"?before={newest + 1}",
        "list": reverse("messaging:list"),
        "index": reverse("messaging:index"),
    }
    pages |= {f"at {m.pk}": reverse("messaging:conversation", args=[conversation.pk]) + f"?at={m.pk}" for m in messages}
    return {name: _text(client.get(url)) for name, url in pages.items()}


def _search(client, word: str) -> str:
    """The messages found (not the page, which repeats the words searched for)."""
    response = client.get(reverse("messaging:search") + f"?q={word}")
    assert response.status_code == 200
    return " ".join(message.body for message in response.context["results"])


def _age(message, days: float):
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def away(anna, ben, chloe, sent, django_capture_on_commit_callbacks, settings, tmp_path):
    """Anna's group with Ben and Chloé. Ben is removed, messages are sent (one with a file,
    one Chloé reacts to), Ben is added back, with "all history" chosen, and Anna replies to
    a message of the gap. The live events are recorded from Ben's return on."""
    settings.MEDIA_ROOT = tmp_path
    group = services.conversation_group_create(actor=anna, name="Launch team", people=[ben, chloe])
    before, _ = services.message_send(actor=anna, conversation=group, body=f"hello {BEFORE}")
    services.participant_remove(actor=anna, conversation=group, user=ben)
    gap, _ = services.message_send(
        actor=anna,
        conversation=group,
        body=f"while Ben is out {GAP}",
        uploads=[SimpleUploadedFile(f"{GAP}.txt", b"secret figures")],
    )
    services.message_react(actor=chloe, message=gap, kind="like")
    services.participants_add(actor=anna, conversation=group, people=[ben], history=SharedHistory.ALL)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        after, _ = services.message_send(actor=anna, conversation=group, body=f"back {AFTER}", reply_to_id=gap.pk)
    gap_ids = set(
        Message.objects.filter(conversation=group, id__gt=before.pk, id__lt=after.pk).values_list("pk", flat=True)
    )
    gap_ids -= {Message.objects.filter(conversation=group, data__event="added").latest("id").pk}
    return {"group": group, "before": before, "gap": gap, "after": after, "gap_ids": gap_ids}


def test_someone_added_back_reads_their_first_stay_and_what_follows(away, ben):
    client = _client(ben)
    pages = _pages(client, away["group"], [away["before"], away["gap"], away["after"]])
    for name, html in pages.items():
        assert GAP not in html, name
        for pk in away["gap_ids"]:
            assert f'id="m{pk}"' not in html, name
    assert BEFORE in pages["conversation"] and AFTER in pages["conversation"]
    assert BEFORE in pages["history after"] and AFTER in pages["history after"]
    # What is still theirs: their first stay, and from their return on.
    assert set(Message.objects.visible_to(ben).values_list("body", flat=True)) >= {
        f"hello {BEFORE}",
        f"back {AFTER}",
    }
    assert not Message.objects.visible_to(ben).filter(pk__in=away["gap_ids"]).exists()


def test_the_gap_is_a_404_and_refused_everywhere(away, ben, chloe):
    client, gap = _client(ben), away["gap"]
    attachment = gap.attachments.get()
    assert client.get(reverse("messaging:message", args=[gap.pk])).status_code == 404
    assert client.get(reverse("messaging:attachment", args=[attachment.pk, attachment.name])).status_code == 404
    assert client.post(reverse("messaging:message_react", args=[gap.pk]), {"kind": "like"}).status_code == 404
    assert not MessageReaction.objects.filter(message=gap, user=ben).exists()
    with pytest.raises(PermissionDenied):
        services.message_react(actor=ben, message=gap, kind="funny")
    # Replying to it: as if it did not exist.
    answer = client.post(reverse("messaging:send", args=[away["group"].pk]), {"body": "quoting", "reply_to": gap.pk})
    assert answer.status_code == 400 and GAP not in answer.content.decode()
    assert not Message.objects.filter(body="quoting").exists()
    # Search finds the first stay's messages, not the gap's.
    assert BEFORE in _search(client, BEFORE)
    assert _search(client, GAP) == ""
    assert GAP in _search(_client(chloe), GAP)


def test_a_quote_of_the_gap_shows_nothing_of_it(away, ben, chloe, sent):
    after = away["after"]
    for client in (_client(ben),):
        for url in (
            reverse("messaging:message", args=[after.pk]),
            reverse("messaging:conversation", args=[away["group"].pk]),
        ):
            html = _text(client.get(url))
            assert f'id="m{after.pk}"' in html and GAP not in html
    events = dict(of_type(sent, "message.new"))
    assert GAP not in events[f"user.{ben.pk}"]["html"] and AFTER in events[f"user.{ben.pk}"]["html"]
    # Those who read the quoted message see the quote.
    assert GAP in events[f"user.{chloe.pk}"]["html"]
    assert GAP in _text(_client(chloe).get(reverse("messaging:message", args=[after.pk])))


def test_changes_to_the_gap_are_not_told_to_them(away, anna, ben, chloe, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_edit(actor=anna, message=away["gap"], body=f"edited {GAP}")
        services.message_react(actor=chloe, message=away["gap"], kind="celebrate")
        services.message_delete(actor=anna, message=away["gap"])
    updates = of_type(sent, "message.updated")
    assert updates and {group for group, _ in updates} == {f"user.{anna.pk}", f"user.{chloe.pk}"}
    assert all(GAP not in str(payload) for group, payload in sent if group == f"user.{ben.pk}")


def test_unread_counts_and_emails_leave_the_gap_out(away, anna, ben, settings):
    settings.MESSAGING_EMAIL_DELAY_MINUTES = 1
    assert selectors.unread_total(viewer=ben) == 1  # the reply sent after their return
    row = next(r for r in selectors.conversation_list(viewer=ben)[0] if r.conversation.pk == away["group"].pk)
    assert row.unread == 1
    for message in Message.objects.filter(conversation=away["group"]):
        Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    mail.outbox.clear()
    emails.send_unread()
    to_ben = [m for m in mail.outbox if m.to == [ben.email]]
    assert len(to_ben) == 1 and AFTER in to_ben[0].body
    assert GAP not in to_ben[0].body and GAP not in to_ben[0].alternatives[0][0]


def test_unread_counts_leave_the_gap_out_whatever_was_read(away, ben):
    """Even if their last read message were from before they left, the gap is not unread."""
    from apps.messaging.models import Participant

    Participant.objects.filter(conversation=away["group"], user=ben).update(last_read_id=away["before"].pk)
    assert selectors.unread_total(viewer=ben) == 1
    assert selectors.unread_counts(user_ids=[ben.pk], conversation_id=away["group"].pk)[ben.pk] == (1, 1)


def test_read_receipts_point_at_what_they_read(away, ben, chloe, sent, django_capture_on_commit_callbacks):
    # Chloé has read up to the gap's message: Ben learns only that she read what he can read.
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_read(actor=chloe, conversation=away["group"], message_id=away["gap"].pk)
    receipt = dict(of_type(sent, "conversation.read"))[f"user.{ben.pk}"]
    assert receipt["message"] not in away["gap_ids"] and receipt["message"] == away["before"].pk
    page = _client(ben).get(reverse("messaging:conversation", args=[away["group"].pk]))
    reads = json.loads(page.context["reads"])
    assert reads[str(chloe.pk)]["read"] == away["before"].pk
    assert all(value["read"] not in away["gap_ids"] for value in reads.values())


def test_leaving_and_coming_back_is_the_same(anna, ben, chloe, group):
    services.conversation_leave(actor=ben, conversation=group)
    services.message_send(actor=anna, conversation=group, body=f"said after Ben left {GAP}")
    services.participants_add(actor=chloe, conversation=group, people=[ben], history=SharedHistory.ALL)
    assert not Message.objects.visible_to(ben).filter(body__contains=GAP).exists()
    assert GAP not in _text(_client(ben).get(reverse("messaging:conversation", args=[group.pk])))


# ------------------------------------------------------------------------- newcomers


@pytest.fixture
def history(anna, ben, settings, tmp_path):
    """Anna and Ben's group: a message (with a file) 10 days old, one 2 days old, one today."""
    settings.MEDIA_ROOT = tmp_path
    group = services.conversation_group_create(actor=anna, name="Budget", people=[ben])
    old, _ = services.message_send(
        actor=anna, conversation=group, body=f"old {OLD}", uploads=[SimpleUploadedFile(f"{OLD}.txt", b"old")]
    )
    recent, _ = services.message_send(actor=ben, conversation=group, body=f"recent {RECENT}")
    today, _ = services.message_send(actor=anna, conversation=group, body=f"today {TODAY}")
    _age(old, 10)
    _age(recent, 2)
    return group, old, recent, today


CHOICES = [
    ({}, {NEW}),  # nothing said: no history
    ({"history": SharedHistory.NONE}, {NEW}),
    ({"history": SharedHistory.DAYS, "days": 3}, {RECENT, TODAY, NEW}),
    ({"history": SharedHistory.DAYS, "days": 1}, {TODAY, NEW}),
    ({"history": SharedHistory.ALL}, {OLD, RECENT, TODAY, NEW}),
]


@pytest.mark.parametrize(("choice", "seen"), CHOICES)
def test_a_newcomer_reads_exactly_the_history_chosen(history, anna, chloe, choice, seen, settings):
    group, old, recent, today = history
    services.participants_add(actor=anna, conversation=group, people=[chloe], **choice)
    new, _ = services.message_send(actor=anna, conversation=group, body=f"new {NEW}", reply_to_id=old.pk)
    client = _client(chloe)
    everything = {OLD, RECENT, TODAY, NEW}
    pages = _pages(client, group, [old, recent, today, new])
    for word in everything:
        assert (word in pages["conversation"]) == (word in seen), word
        assert (word in pages["history after"]) == (word in seen), word
        assert (word in _search(client, word)) == (word in seen), word
    assert all(OLD not in html for html in pages.values()) or OLD in seen
    attachment = old.attachments.get()
    file_status = client.get(reverse("messaging:attachment", args=[attachment.pk, attachment.name])).status_code
    assert file_status == (200 if OLD in seen else 404)
    for message in (old, recent, today):
        status = client.get(reverse("messaging:message", args=[message.pk])).status_code
        assert status == (200 if message.body.split()[1] in seen else 404)
    # History given is not unread: only what was sent after they came.
    assert selectors.unread_total(viewer=chloe) == 1
    settings.MESSAGING_EMAIL_DELAY_MINUTES = 1
    Message.objects.filter(conversation=group).update(created_at=timezone.now() - timedelta(minutes=5))
    mail.outbox.clear()
    emails.send_unread()
    to_chloe = [m for m in mail.outbox if m.to == [chloe.email]]
    assert len(to_chloe) == 1 and NEW in to_chloe[0].body
    assert not ({OLD, RECENT, TODAY} - seen) & set(to_chloe[0].body.split())


def test_the_history_choice_is_checked(history, anna, chloe):
    group = history[0]
    for choice, field in (
        ({"history": "everything"}, "history"),
        ({"history": SharedHistory.DAYS}, "days"),
        ({"history": SharedHistory.DAYS, "days": 0}, "days"),
        ({"history": SharedHistory.DAYS, "days": 100000}, "days"),
    ):
        with pytest.raises(ValidationError) as error:
            services.participants_add(actor=anna, conversation=group, people=[chloe], **choice)
        assert field in error.value.message_dict, choice
    assert not Message.objects.visible_to(chloe).exists()


def test_the_settings_page_offers_the_choice_and_says_what_is_wrong(history, anna, chloe):
    group = history[0]
    client = _client(anna)
    url = reverse("messaging:settings", args=[group.pk])
    page = _text(client.get(url))
    assert 'name="history"' in page and 'name="days"' in page
    assert "You can only share what you read yourself." in page
    for data in ({"history": "bogus"}, {"history": "days", "days": "abc"}, {"history": "days", "days": "0"}):
        answer = client.post(url, {"action": "add", "people": "@chloe.petit", **data})
        assert answer.status_code == 400 and 'class="errorlist"' in _text(answer), data
    assert not Message.objects.visible_to(chloe).exists()
    added = client.post(url, {"action": "add", "people": "@chloe.petit", "history": "days", "days": "3"})
    assert added.status_code == 302
    assert set(Message.objects.visible_to(chloe).filter(kind="text").values_list("body", flat=True)) == {
        f"recent {RECENT}",
        f"today {TODAY}",
    }
