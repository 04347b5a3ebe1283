from apps.messaging import emails
from config.celery import app


@app.task(name="messaging.email_unread")
def email_unread() -> int:
    """Beat, every minute: e-mail the messages left unread past the delay."""
    return emails.send_unread()


email_unread_task = email_unread
