"""What messaging broadcasts, and to whom: each active participant's own group (`user.<id>`),
read afresh once the write has committed; a message's events go only to those who read it
(`selectors.message_readers`: not to someone whose participation does not hold it).

A conversation has no group of its own: its participants change, and the sockets of someone
removed must not stay subscribed to it. Sending to each participant's group decides the
recipients at the moment of sending, and lets each one's event carry their own unread counts
and be rendered in their language."""

import logging

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from apps.core.broadcast import broadcast_many_on_commit, group_name, send_many_now
from apps.messaging import selectors
from apps.profiles.timezones import zones_of

logger = logging.getLogger(__name__)


def _rendered(message, variants: set[tuple[str, bool, str]]) -> dict[tuple[str, bool, str], str]:
    """The message's HTML per (language, whether the reader reads the message it quotes, time
    zone): each reader's own, never the sender's (the request that sends is in the sender's
    zone, which may be private)."""
    html = {}
    for language, quote_readable, zone in variants:
        message.quote_readable = quote_readable
        with translation.override(language), timezone.override(zone):
            html[(language, quote_readable, zone)] = render_to_string(
                "messaging/_message.html", {"message": message, "live": True}
            )
    return html


def _send_message_event(message_id: int, event_type: str, client_id: str | None, ready=None) -> int:
    from apps.notifications.services import email_languages

    message = ready or selectors.message_for_event(message_id)
    if message is None:
        return 0
    readers = selectors.message_readers(message)
    recipients = list(readers)
    if not recipients:
        return 0
    languages = email_languages(recipients)
    zones = zones_of(recipients)
    variant = {uid: (languages[uid], readers[uid].quote_readable, zones[uid]) for uid in recipients}
    html = _rendered(message, set(variant.values()))
    unread = selectors.unread_counts(user_ids=recipients, conversation_id=message.conversation_id)
    events = []
    for user_id in recipients:
        payload = {
            "type": event_type,
            "conversation": message.conversation_id,
            "message": message.pk,
            "sender": message.sender_id,
            "html": html[variant[user_id]],
        }
        if event_type == "message.new":
            total, here = unread.get(user_id, (0, 0))
            # Whoever writes has read what came before: "seen by" them moves, to a message
            # this reader reads too (never one the sender was not given).
            payload.update(unread=total, conversation_unread=here, seen=readers[user_id].sender_seen)
            if user_id == message.sender_id and client_id:
                # The sending tab recognises its own message and does not show it twice.
                payload["client_id"] = client_id
        events.append((group_name("user", user_id), payload))
    return send_many_now(events)


def message_on_commit(message, *, event_type: str = "message.new", ready: bool = False) -> None:
    """After commit: the message, rendered, to every participant's sockets. `ready`: the
    message holds everything its rendering reads (sender, quote, files), as the service that
    just wrote it does: it is not read again."""
    message_id, client_id = message.pk, str(message.client_id) if message.client_id else None
    instance = message if ready else None

    def send():
        try:
            _send_message_event(message_id, event_type, client_id, ready=instance)
        except Exception:  # a live update must never break a committed write; pages catch up
            logger.exception("message event %s for #%s dropped", event_type, message_id)

    transaction.on_commit(send)


def read_on_commit(*, conversation_id: int, user_id: int, last_read_id: int, unread: int) -> None:
    """Someone read up to a message: the others see "seen by", their other tabs their count.
    The others are those of the conversation once this has committed (not someone removed
    meanwhile)."""
    seen = {"type": "conversation.read", "conversation": conversation_id, "user": user_id}

    def send():
        try:
            # Each is told where "seen by" shows for them: a message both they and the reader
            # read (`last_read_id` may lie in a gap of the reader's, or in history not given).
            positions = selectors.receipt_positions(
                conversation_id=conversation_id, reader_id=user_id, message_id=last_read_id
            )
            events = [
                (group_name("user", uid), {**seen, "message": position})
                for uid, position in positions.items()
                if uid != user_id and position
            ]
            events.append(
                (group_name("user", user_id), {**seen, "message": positions.get(user_id, 0), "unread": unread})
            )
            send_many_now(events)
        except Exception:  # a live update must never break a committed write
            logger.exception("read event for conversation #%s dropped", conversation_id)

    transaction.on_commit(send)


def changed_on_commit(*, conversation_id: int, user_ids, removed=()) -> None:
    """The conversation's people or name changed: its pages and lists refresh; someone
    removed learns only that they are out (their page stops showing it)."""
    events = [
        (
            group_name("user", uid),
            {"type": "conversation.changed", "conversation": conversation_id, "removed": uid in removed},
        )
        for uid in {*user_ids, *removed}
    ]
    broadcast_many_on_commit(events)


def typing_now(*, conversation_id: int, user_id: int, name: str, recipients: list[int]) -> list[tuple[str, dict]]:
    """The typing indicator's events (sent by the socket that heard it, not stored)."""
    payload = {"type": "typing", "conversation": conversation_id, "user": user_id, "name": name}
    return [(group_name("user", uid), payload) for uid in recipients if uid != user_id]
