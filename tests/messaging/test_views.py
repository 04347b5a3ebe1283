import json
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.messaging import services
from apps.messaging.models import Conversation, Message
from tests.messaging.conftest import CANARY

pytestmark = pytest.mark.django_db


def _reacted(html: str, kind: str, count: int) -> bool:
    """The message shows `count` reactions of `kind`, drawn as an icon (not an emoji)."""
    chip = re.search(rf'<span class="dm-reaction" data-kind="{kind}"[^>]*>(.*?)</span></span>', html, re.S)
    return bool(chip) and "<svg" in chip.group(1) and chip.group(1).endswith(f'dm-reaction-count">{count}')


@pytest.fixture
def as_anna(client, anna):
    client.force_login(anna)
    return client


def test_index_lists_my_conversations_with_unread_counts(as_anna, anna, ben, direct, group):
    services.message_send(actor=ben, conversation=direct, body="Lunch?")
    response = as_anna.get(reverse("messaging:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Launch team" in html and "Ben Dubois" in html and "Lunch?" in html
    assert 'class="dm-unread ' in html


def test_conversation_page_shows_messages_and_receipts(as_anna, anna, ben, direct):
    services.message_send(actor=anna, conversation=direct, body="**Hello** Ben")
    response = as_anna.get(reverse("messaging:conversation", args=[direct.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>Hello</strong> Ben" in html
    assert 'data-reads="' in html
    reads = json.loads(response.context["reads"])
    assert reads == {str(ben.pk): {"name": "Ben Dubois", "read": 0}}


def test_new_with_one_colleague_opens_the_one_to_one(as_anna, anna, ben):
    response = as_anna.post(reverse("messaging:new"), {"people": "@ben.dubois"})
    conversation = Conversation.objects.get(kind="direct")
    assert response.status_code == 302 and response.url == reverse("messaging:conversation", args=[conversation.pk])
    again = as_anna.post(reverse("messaging:new"), {"people": "@ben.dubois"})
    assert again.url == response.url


def test_new_group_and_its_errors(as_anna, anna, ben, chloe):
    response = as_anna.post(reverse("messaging:new"), {"people": "@ben.dubois @chloe.petit", "name": "Offsite"})
    assert response.status_code == 302
    assert Conversation.objects.get(name="Offsite").participants.count() == 3
    unknown = as_anna.post(reverse("messaging:new"), {"people": "@nobody.here", "name": "x"})
    assert unknown.status_code == 400 and "Nobody answers to @nobody.here" in unknown.content.decode()
    empty = as_anna.post(reverse("messaging:new"), {"people": "", "name": "x"})
    assert empty.status_code == 400 and "Add at least one colleague" in empty.content.decode()


def test_profile_button_opens_the_one_to_one(as_anna, ben):
    response = as_anna.post(reverse("messaging:direct", args=[ben.pk]))
    assert response.status_code == 302
    assert Conversation.objects.filter(kind="direct").count() == 1
    assert as_anna.get(reverse("messaging:direct", args=[ben.pk])).status_code == 405


def test_send_returns_the_message_and_a_retry_returns_the_same(as_anna, direct):
    client_id = str(uuid.uuid4())
    url = reverse("messaging:send", args=[direct.pk])
    first = as_anna.post(url, {"body": "Once only", "client_id": client_id}, HTTP_X_REQUESTED_WITH="fetch")
    second = as_anna.post(url, {"body": "Once only", "client_id": client_id}, HTTP_X_REQUESTED_WITH="fetch")
    assert first.status_code == second.status_code == 200
    assert "Once only" in first.content.decode()
    assert first.content == second.content
    assert Message.objects.filter(body="Once only").count() == 1


def test_send_errors_say_what_is_wrong_and_store_nothing(as_anna, direct, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("messaging:send", args=[direct.pk])
    empty = as_anna.post(url, {"body": " "}, HTTP_X_REQUESTED_WITH="fetch")
    assert empty.status_code == 400 and "Write a message or attach a file." in empty.content.decode()
    settings.ATTACHMENT_MAX_BYTES = 5
    big = as_anna.post(url, {"body": "x", "files": SimpleUploadedFile("big.pdf", b"0123456789")})
    assert big.status_code == 400 and "the limit is" in big.content.decode()
    assert not Message.objects.filter(conversation=direct).exists()


def test_attachments_are_downloads_for_participants(as_anna, client, anna, ben, direct, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    message, _ = services.message_send(
        actor=ben, conversation=direct, body="", uploads=[SimpleUploadedFile(f"{CANARY}.txt", b"the figures")]
    )
    attachment = message.attachments.get()
    response = as_anna.get(reverse("messaging:attachment", args=[attachment.pk, attachment.name]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content) == b"the figures"


def test_history_pages_back_with_a_constant_number_of_queries(as_anna, anna, ben, direct, django_assert_num_queries):
    for i in range(70):
        services.message_send(actor=anna if i % 2 else ben, conversation=direct, body=f"message {i}")
    first = as_anna.get(reverse("messaging:history", args=[direct.pk]))
    page = first.context["page"]
    assert [m.body for m in page][-1] == "message 69" and len(page) == 30 and first.context["more"]
    older = as_anna.get(reverse("messaging:history", args=[direct.pk]) + f"?before={page[0].pk}")
    assert [m.body for m in older.context["page"]][-1] == "message 39"
    after = as_anna.get(reverse("messaging:history", args=[direct.pk]) + f"?after={page[-2].pk}")
    assert [m.body for m in after.context["page"]] == ["message 69"]


def test_edit_delete_and_react_views(as_anna, anna, ben, direct, client):
    message, _ = services.message_send(actor=anna, conversation=direct, body="tpyo")
    edit_url = reverse("messaging:message_edit", args=[message.pk])
    assert as_anna.get(edit_url).status_code == 200
    assert as_anna.post(edit_url, {"body": ""}).status_code == 400
    assert as_anna.post(edit_url, {"body": "typo"}).status_code == 302
    message.refresh_from_db()
    assert message.body == "typo" and message.edited_at
    react = as_anna.post(
        reverse("messaging:message_react", args=[message.pk]), {"kind": "like"}, HTTP_HX_REQUEST="true"
    )
    assert react.status_code == 200 and _reacted(react.content.decode(), "like", 1)
    deleted = as_anna.post(reverse("messaging:message_delete", args=[message.pk]), HTTP_HX_REQUEST="true")
    assert "This message was deleted." in deleted.content.decode()
    client.force_login(ben)
    assert client.get(reverse("messaging:message_edit", args=[message.pk])).status_code == 404


def test_settings_page_rename_add_remove_mute_leave(as_anna, anna, ben, chloe, outsider, group):
    url = reverse("messaging:settings", args=[group.pk])
    assert as_anna.get(url).status_code == 200
    assert as_anna.post(url, {"action": "rename", "name": ""}).status_code == 400
    as_anna.post(url, {"action": "rename", "name": "Launch crew"})
    group.refresh_from_db()
    assert group.name == "Launch crew"
    as_anna.post(url, {"action": "add", "people": "@olga.outsider"})
    assert Conversation.objects.visible_to(outsider).filter(pk=group.pk).exists()
    unknown = as_anna.post(url, {"action": "add", "people": "@ghost"})
    assert unknown.status_code == 400 and "Nobody answers to @ghost" in unknown.content.decode()
    as_anna.post(url, {"action": "remove", "user": outsider.pk})
    assert not Conversation.objects.visible_to(outsider).filter(pk=group.pk).exists()
    as_anna.post(url, {"action": "mute", "muted": "1"})
    assert group.participants.get(user=anna).muted
    response = as_anna.post(url, {"action": "leave"})
    assert response.status_code == 302
    assert as_anna.get(reverse("messaging:conversation", args=[group.pk])).status_code == 404


def test_search_finds_only_my_conversations_messages(as_anna, anna, ben, chloe, outsider, direct):
    services.message_send(actor=ben, conversation=direct, body="The Réunion budget is ready")
    theirs = services.conversation_direct_open(actor=chloe, other=outsider)
    services.message_send(actor=chloe, conversation=theirs, body=f"reunion budget {CANARY}")
    response = as_anna.get(reverse("messaging:search"), {"q": "reunion BUDGET"})
    html = response.content.decode()
    assert "The Réunion budget is ready" in html
    assert CANARY not in html


def test_unread_endpoint(as_anna, ben, direct):
    services.message_send(actor=ben, conversation=direct, body="ping")
    assert as_anna.get(reverse("messaging:unread")).json() == {"unread": 1}
    last = Message.objects.filter(conversation=direct).latest("id")
    answer = as_anna.post(reverse("messaging:read", args=[direct.pk]), {"message": last.pk}).json()
    assert answer == {"read": last.pk, "unread": 0}


def test_a_search_result_opens_the_conversation_on_that_message(as_anna, anna, ben, direct):
    services.message_send(actor=anna, conversation=direct, body="before it")
    found, _ = services.message_send(actor=ben, conversation=direct, body="the old budget figure")
    for i in range(40):
        services.message_send(actor=anna, conversation=direct, body=f"later {i}")
    results = as_anna.get(reverse("messaging:search"), {"q": "budget"}).content.decode()
    link = reverse("messaging:conversation", args=[direct.pk]) + f"?at={found.pk}#m{found.pk}"
    assert link.replace("&", "&amp;") in results or link in results
    page = as_anna.get(reverse("messaging:conversation", args=[direct.pk]), {"at": found.pk})
    bodies = [m.body for m in page.context["page"]]
    assert bodies[0] == "the old budget figure" and bodies[-1] == "later 39" and len(bodies) == 41
    assert page.context["more"]  # "before it" is a click away
    # Not a participant: the same link is a 404.
    as_anna.post(reverse("messaging:settings", args=[direct.pk]), {"action": "leave"})
    assert as_anna.get(reverse("messaging:conversation", args=[direct.pk]), {"at": found.pk}).status_code == 404


def test_a_cached_file_is_checked_again_each_time(as_anna, client, anna, ben, outsider, direct, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    message, _ = services.message_send(
        actor=ben, conversation=direct, body="", uploads=[SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan")]
    )
    attachment = message.attachments.get()
    url = reverse("messaging:attachment", args=[attachment.pk, attachment.name])
    first = as_anna.get(url)
    assert first["Cache-Control"] == "private, no-cache" and first["X-Content-Type-Options"] == "nosniff"
    assert as_anna.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    client.force_login(outsider)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 404


def test_older_conversations_load_from_the_list(as_anna, anna, monkeypatch):
    from apps.messaging import selectors
    from tests.messaging.conftest import person

    monkeypatch.setattr(selectors, "LIST_SIZE", 2)
    for i in range(3):
        other = person(f"Old Friend{i}")
        conversation = services.conversation_direct_open(actor=anna, other=other)
        services.message_send(actor=other, conversation=conversation, body=f"hi {i}")
    first = as_anna.get(reverse("messaging:list"))
    assert first.context["next_cursor"] and "Older conversations" in first.content.decode()
    more = as_anna.get(reverse("messaging:list"), {"cursor": first.context["next_cursor"]})
    html = more.content.decode()
    assert "hi 0" in html and "hi 2" not in html and "Older conversations" not in html


def test_conversation_and_settings_pages_take_the_same_queries_for_2_or_20_people(client, anna):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.messaging.conftest import person

    def counts(size: int) -> tuple[int, int]:
        people = [person(f"Crew Member{size}x{i}") for i in range(size)]
        conversation = services.conversation_group_create(actor=anna, name=f"Crew {size}", people=people)
        for member in people:
            services.message_send(actor=member, conversation=conversation, body=f"hello from {member.pk}")
        measured = []
        for name in ("messaging:conversation", "messaging:settings"):
            client.get(reverse(name, args=[conversation.pk]))  # sessions and caches warmed
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name, args=[conversation.pk])).status_code == 200
            measured.append(len(queries))
        return tuple(measured)

    client.force_login(anna)
    assert counts(2) == counts(20)


def _long_ago(conversation):
    """Every message of the conversation as if last changed an hour ago."""
    from datetime import timedelta

    from django.utils import timezone

    Message.objects.filter(conversation=conversation).update(updated_at=timezone.now() - timedelta(hours=1))


def test_catching_up_brings_the_edits_deletions_and_reactions_missed(as_anna, anna, ben, direct):
    kept, _ = services.message_send(actor=ben, conversation=direct, body="nothing happens to me")
    edited, _ = services.message_send(actor=ben, conversation=direct, body="tpyo")
    deleted, _ = services.message_send(actor=ben, conversation=direct, body="oops, wrong chat")
    reacted, _ = services.message_send(actor=ben, conversation=direct, body="lunch?")
    _long_ago(direct)
    # While Anna's page is not listening:
    services.message_edit(actor=ben, message=edited, body="typo fixed")
    services.message_delete(actor=ben, message=deleted)
    services.message_react(actor=ben, message=reacted, kind="like")
    newer, _ = services.message_send(actor=ben, conversation=direct, body="and one more")
    url = reverse("messaging:history", args=[direct.pk])
    answer = as_anna.get(url + f"?after={reacted.pk}&missed=5000&from={kept.pk}")
    ids = [m.pk for m in answer.context["page"]]
    assert ids == [edited.pk, deleted.pk, reacted.pk, newer.pk]
    html = answer.content.decode()
    assert "typo fixed" in html and "This message was deleted." in html and _reacted(html, "like", 1)
    assert "wrong chat" not in html and "nothing happens to me" not in html
    # Only what the page shows: before `from`, nothing.
    answer = as_anna.get(url + f"?after={reacted.pk}&missed=5000&from={reacted.pk}")
    assert [m.pk for m in answer.context["page"]] == [reacted.pk, newer.pk]
    # Without `missed`, as before: what came after.
    assert [m.pk for m in as_anna.get(url + f"?after={reacted.pk}").context["page"]] == [newer.pk]


def test_a_change_older_than_the_disconnection_is_not_sent_again(as_anna, anna, ben, direct):
    message, _ = services.message_send(actor=ben, conversation=direct, body="first")
    services.message_edit(actor=ben, message=message, body="first, edited")
    _long_ago(direct)
    answer = as_anna.get(reverse("messaging:history", args=[direct.pk]) + f"?after={message.pk}&missed=1000&from=1")
    assert list(answer.context["page"]) == []


@pytest.mark.parametrize("count", [1, 20])
def test_catching_up_runs_a_constant_number_of_queries(anna, ben, direct, count, django_assert_num_queries):
    from django.utils import timezone

    from apps.messaging import selectors

    messages = [services.message_send(actor=ben, conversation=direct, body=f"m{i}")[0] for i in range(count)]
    since = timezone.now()
    for message in messages:
        services.message_react(actor=anna, message=message, kind="like")
    with django_assert_num_queries(2):
        changed = selectors.messages_changed(
            viewer=anna, conversation=direct, first_id=messages[0].pk, last_id=messages[-1].pk, since=since
        )
        assert [m.reaction_counts for m in changed] == [{"like": 1}] * count
        assert all(m.sender.profile and list(m.attachments.all()) == [] for m in changed)


# Session, user, conversation, the page, the changes, their attachments, the participants with
# where each has read.
QUERIES_TO_CATCH_UP = 7


@pytest.mark.parametrize("others", [1, 6])
def test_catching_up_gives_the_receipts_missed_in_a_constant_number_of_queries(
    as_anna, anna, others, django_assert_num_queries
):
    """After a reconnection the history's answer says where "seen by" each other participant
    shows now (X-Reads): the receipts sent while the page was not listening. The viewer's own
    is not among them, and more participants cost no more queries."""
    from tests.messaging.conftest import person

    people = [person(f"Reader Number{i}") for i in range(others)]
    group = services.conversation_group_create(actor=anna, name="Readers", people=people)
    first, _ = services.message_send(actor=anna, conversation=group, body="first")
    last, _ = services.message_send(actor=anna, conversation=group, body="last")
    services.conversation_read(actor=people[0], conversation=group, message_id=first.pk)
    url = reverse("messaging:history", args=[group.pk]) + f"?after={last.pk}&missed=5000"
    with django_assert_num_queries(QUERIES_TO_CATCH_UP):
        response = as_anna.get(url)
    reads = json.loads(response["X-Reads"])
    assert reads[str(people[0].pk)] == first.pk
    assert set(reads) == {str(p.pk) for p in people}
    assert all(reads[str(p.pk)] == 0 for p in people[1:])
    # A page that did not miss anything asks nothing of the kind.
    assert "X-Reads" not in as_anna.get(reverse("messaging:history", args=[group.pk]) + f"?after={last.pk}")
