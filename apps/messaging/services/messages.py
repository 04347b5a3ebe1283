"""Writes of messages: send (once, whatever the retries), edit, delete, react."""

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.reactions import ReactionKind
from apps.core.text import render_markdown, substring_search_text
from apps.files import attachments as files
from apps.messaging import events
from apps.messaging.models import (
    Conversation,
    ConversationKind,
    Message,
    MessageAttachment,
    MessageKind,
    MessageReaction,
    Participant,
)

BODY_MAX = 10000


def _clean_body(body: str, *, has_files: bool) -> str:
    body = (body or "").strip()
    if not body and not has_files:
        raise ValidationError({"body": _("Write a message or attach a file.")})
    if len(body) > BODY_MAX:
        raise ValidationError(
            {
                "body": _("A message has at most %(max)d characters (this one has %(count)d).")
                % {"max": BODY_MAX, "count": len(body)}
            }
        )
    return body


def _client_uuid(client_id) -> uuid.UUID | None:
    if not client_id:
        return None
    try:
        return uuid.UUID(str(client_id))
    except ValueError as error:
        raise ValidationError(_("This message could not be sent: reload the page and try again.")) from error


def _already_sent(actor, conversation: Conversation, client_id) -> Message | None:
    if client_id is None:
        return None
    message = Message.objects.filter(sender=actor, client_id=client_id).first()
    if message is not None and message.conversation_id != conversation.pk:
        raise ValidationError(_("This message could not be sent: reload the page and try again."))
    return message


def message_send(
    *, actor, conversation: Conversation, body: str, uploads=(), client_id=None, reply_to_id: int | None = None
) -> tuple[Message, bool]:
    """Store a message, then (on commit) send it to every participant. Returns it and whether
    it was made now: the same `client_id` sent again returns the first one, made once."""
    client_id = _client_uuid(client_id)
    sent = _already_sent(actor, conversation, client_id)
    if sent is not None:
        return sent, False
    uploads = list(uploads or [])
    body = _clean_body(body, has_files=bool(uploads))
    _check_participant(actor, conversation.pk)
    reply_to = None
    if reply_to_id:
        # Only a message the actor reads: a quote shows its text to whoever reads the reply.
        reply_to = (
            Message.objects.visible_to(actor)
            .filter(pk=reply_to_id, conversation=conversation, kind=MessageKind.TEXT, deleted_at__isnull=True)
            .first()
        )
        if reply_to is None:
            raise ValidationError(_("The message you replied to is no longer there."))
    prepared = files.prepare_uploads(uploads)
    stored: list[str] = []
    try:
        with transaction.atomic():
            # In turn with removals and departures, which take the same lock: someone removed
            # while this send waited does not post.
            Conversation.objects.select_for_update().filter(pk=conversation.pk).values_list("pk").first()
            _check_participant(actor, conversation.pk)
            try:
                with transaction.atomic():
                    message = Message.objects.create(
                        conversation=conversation,
                        sender=actor,
                        client_id=client_id,
                        body=body,
                        body_html=render_markdown(body),
                        search_text=substring_search_text(body),
                        reply_to=reply_to,
                    )
            except IntegrityError:
                # The same send, retried while the first was being written: that one stands.
                sent = _already_sent(actor, conversation, client_id)
                if sent is None:
                    raise
                return sent, False
            attached = MessageAttachment.objects.bulk_create(
                files.attached_rows(
                    MessageAttachment, prepared, folder=f"messages/{conversation.pk}", stored=stored, message=message
                )
            )

            files.process_later(attached, "messaging.process_attachment")
            # What its rendering reads, already at hand: the page and the event do not read it again.
            message.sender = actor
            message.quote_readable = reply_to is not None
            # Django's private prefetch caches (_result_cache, _prefetch_done,
            # _prefetched_objects_cache), checked against Django 5.2.19 (tests/core/test_private_apis.py).
            prefetched = MessageAttachment.objects.filter(message=message)
            prefetched._result_cache, prefetched._prefetch_done = attached, True
            message._prefetched_objects_cache = {"attachments": prefetched}
            Conversation.objects.filter(pk=conversation.pk).update(
                last_message_at=Greatest("last_message_at", message.created_at)
            )
            participants = Participant.objects.filter(conversation=conversation)
            participants.filter(user=actor).update(last_read_id=Greatest("last_read_id", message.pk))
            if conversation.kind == ConversationKind.DIRECT:
                # Writing again reopens a one-to-one that either person had left.
                participants.filter(left_at__isnull=False).update(left_at=None)
            events.message_on_commit(message, ready=True)
    except Exception:
        files.delete_files(stored)
        raise
    return message, True


def _check_participant(actor, conversation_id: int) -> None:
    if not Participant.objects.filter(conversation_id=conversation_id, user=actor, left_at__isnull=True).exists():
        raise PermissionDenied(_("You are not in this conversation."))


def _locked(actor, message_id: int, *, own: bool) -> Message:
    """The message, locked and checked afresh inside the caller's transaction: an edit or a
    reaction racing a deletion finds it deleted."""
    message = Message.objects.select_for_update().get(pk=message_id)
    if own and (message.sender_id != actor.pk or message.kind != MessageKind.TEXT):
        raise PermissionDenied(_("Only its author changes a message."))
    if message.deleted_at is not None or message.kind != MessageKind.TEXT:
        raise ValidationError(_("This message was deleted."))
    # Someone who does not read it (not in the conversation, or not when it was sent) cannot touch it.
    if not Message.objects.visible_to(actor).filter(pk=message.pk).exists():
        raise PermissionDenied(_("You are not in this conversation."))
    return message


def message_edit(*, actor, message: Message, body: str) -> Message:
    with transaction.atomic():
        message = _locked(actor, message.pk, own=True)
        body = _clean_body(body, has_files=message.attachments.exists())
        if body == message.body:
            return message
        message.body = body
        message.body_html = render_markdown(body)
        message.search_text = substring_search_text(body)
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "body_html", "search_text", "edited_at", "updated_at"])
        events.message_on_commit(message, event_type="message.updated")
    return message


def message_delete(*, actor, message: Message) -> Message:
    """Shown as deleted where it was; its text, files and reactions are gone."""
    with transaction.atomic():
        message = _locked(actor, message.pk, own=True)
        attachments = list(message.attachments.all())
        names = [name for a in attachments for name in (a.file, a.thumbnail) if name]
        message.attachments.all().delete()
        message.reactions.all().delete()
        message.body = message.body_html = message.search_text = ""
        message.reaction_counts = {}
        message.deleted_at = timezone.now()
        message.save(update_fields=["body", "body_html", "search_text", "reaction_counts", "deleted_at", "updated_at"])
        events.message_on_commit(message, event_type="message.updated")
        transaction.on_commit(lambda: files.delete_files(names))
    return message


def message_react(*, actor, message: Message, kind: str) -> Message:
    """One reaction per person: the same one again takes it back, another replaces it."""
    if kind not in ReactionKind.values:
        raise ValidationError(_("Choose one of the reactions offered."))
    with transaction.atomic():
        message = _locked(actor, message.pk, own=False)
        current = MessageReaction.objects.filter(message=message, user=actor).first()
        if current is not None and current.kind == kind:
            current.delete()
        elif current is not None:
            current.kind = kind
            current.save(update_fields=["kind"])
        else:
            MessageReaction.objects.create(message=message, user=actor, kind=kind)
        counts = MessageReaction.objects.filter(message=message).values("kind").annotate(n=Count("id"))
        message.reaction_counts = {row["kind"]: row["n"] for row in counts}
        message.save(update_fields=["reaction_counts", "updated_at"])
        events.message_on_commit(message, event_type="message.updated")
    return message
