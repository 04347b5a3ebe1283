from django.utils import timezone

from apps.files import processing as attachment_processing
from apps.messaging import emails, events
from apps.messaging.models import Message, MessageAttachment
from config.celery import app


@app.task(name="messaging.email_unread")
def email_unread() -> int:
    """Beat, every minute: e-mail the messages left unread past the delay."""
    return emails.send_unread()


email_unread_task = email_unread


def _announce(attachment: MessageAttachment) -> None:
    # The message, rendered afresh, to each participant's pages; changed, for those that
    # were not listening (their catch-up asks for the messages changed since).
    Message.objects.filter(pk=attachment.message_id).update(updated_at=timezone.now())
    events.message_on_commit(attachment.message, event_type="message.updated")


@app.task(name="messaging.process_attachment")
def process_attachment(attachment_id: int) -> str:
    """Re-encode a message's image that was too large to decode during the request."""
    return attachment_processing.process_pending(MessageAttachment, attachment_id, owner="message", announce=_announce)


process_attachment_task = process_attachment


@app.task(name="messaging.sweep_attachments")
def sweep_attachments() -> int:
    """Beat, every minute: messages' images whose task never ran (broker down) or died."""
    return attachment_processing.sweep_pending(MessageAttachment, owner="message", announce=_announce)


sweep_attachments_task = sweep_attachments
