import pytest

from apps.messaging import selectors, services
from apps.messaging.models import Conversation
from tests.messaging.conftest import person

pytestmark = pytest.mark.django_db


def _conversations(anna, count: int) -> list[Conversation]:
    made = []
    for i in range(count):
        other = person(f"Colleague Number{i}")
        conversation = services.conversation_direct_open(actor=anna, other=other)
        services.message_send(actor=other, conversation=conversation, body=f"hello {i}")
        made.append(conversation)
    return made


@pytest.mark.parametrize("count", [1, 20])
def test_conversation_list_runs_a_constant_number_of_queries(anna, count, django_assert_num_queries):
    _conversations(anna, count)
    with django_assert_num_queries(4):
        rows, _cursor = selectors.conversation_list(viewer=anna)
        assert [row.unread for row in rows] == [1] * count
        assert all(row.last.sender.profile.name and row.title for row in rows)


@pytest.mark.parametrize("count", [1, 20])
def test_a_page_of_messages_runs_a_constant_number_of_queries(anna, ben, direct, count, django_assert_num_queries):
    first, _ = services.message_send(actor=anna, conversation=direct, body="first")
    for i in range(count):
        services.message_send(actor=ben, conversation=direct, body=f"reply {i}", reply_to_id=first.pk)
    with django_assert_num_queries(2):
        page, _more = selectors.messages_page(viewer=anna, conversation=direct)
        assert [m.reply_to.sender.profile.name for m in page[1:]] == ["Anna Martin"] * count
        assert all(list(m.attachments.all()) == [] for m in page)


@pytest.mark.parametrize("count", [1, 20])
def test_search_runs_one_query(anna, ben, direct, count, django_assert_num_queries):
    for i in range(count):
        services.message_send(actor=ben, conversation=direct, body=f"budget line {i}")
    with django_assert_num_queries(1):
        rows, _more = selectors.message_search(viewer=anna, query="Budget")
        assert len(rows) == count and all(row.sender.profile.name for row in rows)


@pytest.mark.parametrize("query", ["obrien", "o'brien", "O\u2019Brien", "jeanpierre", "jean pierre"])
def test_search_sees_through_punctuation_inside_words(anna, ben, direct, query):
    """As the directory does: "obrien" finds O'Brien, in a message and once it is edited."""
    kept, _new = services.message_send(actor=ben, conversation=direct, body="Ask O'Brien")
    edited, _new = services.message_send(actor=ben, conversation=direct, body="nothing yet")
    services.message_send(actor=ben, conversation=direct, body="Ask Brien")
    services.message_edit(actor=ben, message=edited, body="Jean-Pierre O\u2019Brien agrees")
    rows, _more = selectors.message_search(viewer=anna, query=query)
    expected = {edited.pk} if "jean" in query else {kept.pk, edited.pk}
    assert {row.pk for row in rows} == expected


def test_list_is_ordered_by_latest_message_and_hides_empty_one_to_ones(anna, ben, chloe):
    quiet = services.conversation_direct_open(actor=anna, other=chloe)
    older, newer = _conversations(anna, 2)
    services.message_send(actor=anna, conversation=older, body="bump")
    ids = [row.conversation.pk for row in selectors.conversation_list(viewer=anna)[0]]
    assert ids == [older.pk, newer.pk]
    assert quiet.pk not in ids


def test_history_keyset_pages_do_not_overlap(anna, ben, direct):
    for i in range(65):
        services.message_send(actor=anna, conversation=direct, body=f"m{i}")
    seen, before = [], None
    while True:
        page, more = selectors.messages_page(viewer=anna, conversation=direct, before=before)
        seen = [m.body for m in page] + seen
        if not more:
            break
        before = page[0].pk
    assert seen == [f"m{i}" for i in range(65)]


def test_the_list_pages_through_older_conversations(anna):
    made = _conversations(anna, 7)
    seen, cursor = [], None
    while True:
        rows, cursor = selectors.conversation_list(viewer=anna, cursor=cursor, limit=3)
        seen += [row.conversation.pk for row in rows]
        if cursor is None:
            break
    assert seen == [c.pk for c in reversed(made)]
    # A damaged cursor starts again from the top.
    rows, _cursor = selectors.conversation_list(viewer=anna, cursor="not-a-cursor", limit=3)
    assert [row.conversation.pk for row in rows] == seen[:3]
