"""Writes of messaging: every change of a conversation or a message goes through here."""

from apps.messaging.services.conversations import (
    conversation_direct_open,
    conversation_group_create,
    conversation_leave,
    conversation_mute,
    conversation_read,
    conversation_rename,
    conversation_who_manages_set,
    participant_remove,
    participants_add,
)
from apps.messaging.services.messages import message_delete, message_edit, message_react, message_send

__all__ = [
    "conversation_direct_open",
    "conversation_group_create",
    "conversation_leave",
    "conversation_mute",
    "conversation_read",
    "conversation_rename",
    "conversation_who_manages_set",
    "message_delete",
    "message_edit",
    "message_react",
    "message_send",
    "participant_remove",
    "participants_add",
]
