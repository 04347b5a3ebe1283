"""Reads of messaging. Everything a person reads starts from `visible_to`: the conversations
they take part in now, and of those conversations' messages the ones their participation
periods hold (apps/messaging/models.py; `READABLE_SQL` in the counts written in SQL)."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from apps.core.pagination import cursor_datetime, decode_cursor, encode_cursor, rows_after
from apps.core.text import search_terms
from apps.messaging.models import (
    READABLE_SQL,
    SEEN_SQL,
    Conversation,
    Message,
    MessageAttachment,
    MessageKind,
    Participant,
    period_holds,
)
from apps.profiles.selectors import display_name

PAGE_SIZE = 30
LIST_SIZE = 50
SEARCH_SIZE = 20

# Unread: text messages of others after the participant's last read one, not deleted, that
# they read (a message of a period they were not in is never unread).
_UNREAD_SQL = f"""
    SELECT p.user_id,
           count(m.id) FILTER (WHERE NOT p.muted) AS total,
           count(m.id) FILTER (WHERE p.conversation_id = %s) AS here
    FROM messaging_participant p
    JOIN messaging_message m
      ON m.conversation_id = p.conversation_id AND m.id > p.last_read_id
     AND m.sender_id <> p.user_id AND m.kind = 'text' AND m.deleted_at IS NULL
    WHERE p.user_id = ANY(%s) AND p.left_at IS NULL AND {READABLE_SQL}
    GROUP BY p.user_id
"""  # noqa: S608 - READABLE_SQL is a constant of the code, the values are parameters


def unread_counts(*, user_ids: list[int], conversation_id: int = 0) -> dict[int, tuple[int, int]]:
    """{user: (unread messages in their conversations that are not muted, unread in
    `conversation_id`)} in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_SQL, [conversation_id, list(user_ids)])
        return {uid: (total, here) for uid, total, here in cursor.fetchall()}


def unread_total(*, viewer) -> int:
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return 0
    return unread_counts(user_ids=[viewer.pk]).get(viewer.pk, (0, 0))[0]


def active_participant_ids(*, conversation_id: int) -> list[int]:
    return list(
        Participant.objects.filter(conversation_id=conversation_id, left_at__isnull=True, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def conversation_get(*, viewer, conversation_id: int) -> Conversation:
    """The conversation if the viewer takes part in it now; 404 otherwise (whoever asks)."""
    return get_object_or_404(
        Conversation.objects.visible_to(viewer).select_related("creator"),
        pk=conversation_id,
    )


def _active_participants():
    return Prefetch(
        "participants",
        queryset=Participant.objects.filter(left_at__isnull=True).select_related("user__profile").order_by("id"),
        to_attr="active_participants",
    )


@dataclass
class ConversationRow:
    conversation: Conversation
    title: str
    others: list
    unread: int
    muted: bool
    last: Message | None


def title_of(conversation: Conversation, *, viewer, participants: list[Participant]) -> str:
    if conversation.name:
        return conversation.name
    names = [display_name(p.user) for p in participants if p.user_id != viewer.pk]
    return ", ".join(names[:4]) or display_name(viewer)


def conversation_list(*, viewer, cursor: str | None = None, limit: int | None = None) -> tuple[list, str | None]:
    """The viewer's conversations, the one with the latest message first, with their unread
    counts and last message (four queries however many there are), and the cursor of the
    next page (None at the end). `cursor`: the page after that one."""
    limit = limit or LIST_SIZE
    mine = Participant.objects.filter(conversation_id=OuterRef("pk"), user_id=viewer.pk)
    last = Message.objects.visible_to(viewer).filter(conversation_id=OuterRef("pk")).order_by("-id").values("id")[:1]
    conversations = list(
        Conversation.objects.visible_to(viewer)
        .filter(last_message_at__isnull=False)
        .annotate(my_muted=Subquery(mine.values("muted")[:1]), last_id=Subquery(last))
        .filter(_after(cursor))
        .prefetch_related(_active_participants())
        .order_by("-last_message_at", "-id")[: limit + 1]
    )
    more = len(conversations) > limit
    conversations = conversations[:limit]
    ids = [c.pk for c in conversations]
    unread = _unread_by_conversation(viewer, ids)
    last_messages = Message.objects.select_related("sender__profile").in_bulk([c.last_id for c in conversations])
    rows = [
        ConversationRow(
            conversation=c,
            title=title_of(c, viewer=viewer, participants=c.active_participants),
            others=[p.user for p in c.active_participants if p.user_id != viewer.pk],
            unread=unread.get(c.pk, 0),
            muted=c.my_muted,
            last=last_messages.get(c.last_id),
        )
        for c in conversations
    ]
    last = conversations[-1] if conversations else None
    return rows, encode_cursor([last.last_message_at.isoformat(), last.pk]) if more and last else None


def _after(cursor: str | None) -> Q:
    values = decode_cursor(cursor, types=(str, int))
    moment = cursor_datetime(values[0]) if values else None
    if moment is None:  # the first page, or a damaged cursor
        return Q()
    return rows_after("last_message_at", moment, "id", values[1], descending=True)


def _unread_by_conversation(viewer, conversation_ids: list[int]) -> dict[int, int]:
    if not conversation_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT p.conversation_id, count(m.id)
            FROM messaging_participant p
            JOIN messaging_message m
              ON m.conversation_id = p.conversation_id AND m.id > p.last_read_id
             AND m.sender_id <> p.user_id AND m.kind = 'text' AND m.deleted_at IS NULL
            WHERE p.user_id = %s AND p.left_at IS NULL AND p.conversation_id = ANY(%s) AND {READABLE_SQL}
            GROUP BY p.conversation_id
            """,  # noqa: S608 - READABLE_SQL is a constant of the code, the values are parameters
            [viewer.pk, conversation_ids],
        )
        return dict(cursor.fetchall())


def _with_details(messages, viewer):
    """What a message's rendering reads, and whether the viewer reads the message it quotes
    (`quote_readable`: if not, the quote says nothing of it)."""
    quoted = Message.objects.visible_to(viewer).filter(pk=OuterRef("reply_to_id"))
    return (
        messages.select_related("sender__profile", "reply_to__sender__profile")
        .annotate(quote_readable=Exists(quoted))
        .prefetch_related(Prefetch("attachments", queryset=MessageAttachment.objects.order_by("position", "id")))
    )


SINCE_LIMIT = 200


def messages_page(
    *,
    viewer,
    conversation: Conversation,
    before: int | None = None,
    after: int | None = None,
    since: int | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[Message], bool]:
    """A page of the conversation's messages, oldest first, and whether older ones exist.
    `before`: the page before that message (scrolling back); `after`: every message after
    it (catching up after a reconnection), at most `limit`; `since`: from that message to
    the latest (a search result shown in place), unless that is more than SINCE_LIMIT."""
    messages = _with_details(Message.objects.visible_to(viewer).filter(conversation=conversation), viewer)
    if since is not None:
        rows = list(messages.filter(id__gte=since).order_by("id")[: SINCE_LIMIT + 1])
        if rows and len(rows) <= SINCE_LIMIT:
            return rows, messages.filter(id__lt=rows[0].pk).exists()
    if after is not None:
        rows = list(messages.filter(id__gt=after).order_by("id")[:limit])
        return rows, False
    if before is not None:
        messages = messages.filter(id__lt=before)
    rows = list(messages.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    return list(reversed(rows[:limit])), more


# Asked for the changes of the last N milliseconds (as long as a page's socket was down), look
# this much further back: a change written just before the socket dropped but committed (and
# announced) after, and the seconds a dead connection takes to be noticed.
CATCH_UP_MARGIN = timedelta(minutes=2)


def messages_changed(*, viewer, conversation: Conversation, first_id: int, last_id: int, since) -> list[Message]:
    """The messages from `first_id` to `last_id` (those a page shows) changed since `since`:
    edited, deleted, reacted to. Oldest first, at most SINCE_LIMIT."""
    messages = Message.objects.visible_to(viewer).filter(
        conversation=conversation, id__gte=first_id, id__lte=last_id, updated_at__gte=since
    )
    return list(_with_details(messages, viewer).order_by("id")[:SINCE_LIMIT])


def message_get(*, viewer, message_id: int) -> Message:
    return get_object_or_404(
        _with_details(Message.objects.visible_to(viewer), viewer).select_related("conversation"), pk=message_id
    )


def message_for_event(message_id: int) -> Message | None:
    """A message as its live event shows it (the event's recipients are `message_readers`)."""
    return (
        Message.objects.select_related("sender__profile", "reply_to__sender__profile")
        .prefetch_related(Prefetch("attachments", queryset=MessageAttachment.objects.order_by("position", "id")))
        .filter(pk=message_id)
        .first()
    )


# The participant row of the query's own conversation for the user given (a parameter).
_ROW_OF = (
    '(SELECT x.id FROM messaging_participant x WHERE x.conversation_id = "messaging_participant"."conversation_id"'
    " AND x.user_id = %s{active})"
)


def _seen_by(*, reader_id: int, up_to: int) -> RawSQL:
    """On participant rows: where "seen by <reader_id>" shows for the row's participant once
    the reader has read up to `up_to` (see SEEN_SQL): a message both read, never one of the
    reader's gaps or of a history they were not given, nor one the row's participant cannot read."""
    sql = SEEN_SQL.format(
        other_periods='o.participant_id = "messaging_participant"."id"',
        reader_user="%s",
        up_to="%s",
        reader_periods="r.participant_id = " + _ROW_OF.format(active=""),
    )
    return RawSQL(sql, [reader_id, up_to, reader_id])  # noqa: S611 - SQL of the code, values as parameters


def _seen_on_page(*, viewer_id: int) -> RawSQL:
    """On participant rows: where "seen by" the row's participant shows on `viewer_id`'s page,
    from the row's last read message: one both read (see SEEN_SQL)."""
    sql = SEEN_SQL.format(
        other_periods="o.participant_id = " + _ROW_OF.format(active=" AND x.left_at IS NULL"),
        reader_user='"messaging_participant"."user_id"',
        up_to='"messaging_participant"."last_read_id"',
        reader_periods='r.participant_id = "messaging_participant"."id"',
    )
    return RawSQL(sql, [viewer_id])  # noqa: S611 - SQL of the code, values as parameters


@dataclass
class Reader:
    """Someone a message's live events go to."""

    quote_readable: bool  # whether they read the message it quotes
    sender_seen: int  # where "seen by" its sender shows for them (0: nowhere)


def message_readers(message: Message) -> dict[int, Reader]:
    """{participant: Reader} for the participants who read `message` now (its live events go
    to them only), in one query."""
    readers = Participant.objects.filter(
        period_holds(message.pk), conversation_id=message.conversation_id, left_at__isnull=True, user__is_active=True
    )
    quote = period_holds(message.reply_to_id) if message.reply_to_id else Value(False)
    seen = _seen_by(reader_id=message.sender_id, up_to=message.pk)
    rows = readers.annotate(quote=quote, seen=seen).order_by("user_id").values_list("user_id", "quote", "seen")
    return {uid: Reader(quote_readable=quote, sender_seen=seen or 0) for uid, quote, seen in rows}


def receipt_positions(*, conversation_id: int, reader_id: int, message_id: int) -> dict[int, int]:
    """{active participant: where "seen by <reader_id>" shows for them} once the reader has
    read up to `message_id` (0: nowhere)."""
    rows = Participant.objects.filter(conversation_id=conversation_id, left_at__isnull=True, user__is_active=True)
    seen = _seen_by(reader_id=reader_id, up_to=message_id)
    return {uid: position or 0 for uid, position in rows.annotate(seen=seen).values_list("user_id", "seen")}


def participants_of(*, conversation: Conversation, viewer=None) -> list[Participant]:
    """The active participants. With `viewer`: each one's `read_seen`, where "seen by" them
    shows on the viewer's page (a message both read, see `_seen_on_page`)."""
    rows = Participant.objects.filter(conversation=conversation, left_at__isnull=True)
    if viewer is not None:
        rows = rows.annotate(read_seen=_seen_on_page(viewer_id=viewer.pk))
    return list(rows.select_related("user__profile").order_by("user__profile__sort_name", "id"))


def participant_of(*, viewer, conversation: Conversation) -> Participant:
    return Participant.objects.get(conversation=conversation, user_id=viewer.pk, left_at__isnull=True)


def message_search(*, viewer, query: str, before: int | None = None, limit: int = SEARCH_SIZE) -> tuple[list, bool]:
    """Messages of the viewer's own conversations holding every word of `query`, newest first."""
    terms = search_terms(query, limit=6)
    if not terms:
        return [], False
    messages = Message.objects.visible_to(viewer).filter(kind=MessageKind.TEXT, deleted_at__isnull=True)
    for term in terms:
        messages = messages.filter(search_text__contains=term)
    if before is not None:
        messages = messages.filter(id__lt=before)
    rows = list(messages.select_related("sender__profile", "conversation").order_by("-id")[: limit + 1])
    return rows[:limit], len(rows) > limit


def typing_recipients(*, user_id: int, conversation_id: int) -> tuple[str, list[int]]:
    """(the typist's name, the other participants) if the typist takes part in the
    conversation now, else ("", [])."""
    rows = list(
        Participant.objects.filter(
            conversation_id=conversation_id, left_at__isnull=True, user__is_active=True
        ).select_related("user__profile")
    )
    typist = next((row for row in rows if row.user_id == user_id), None)
    if typist is None:
        return "", []
    return display_name(typist.user), [row.user_id for row in rows if row.user_id != user_id]
