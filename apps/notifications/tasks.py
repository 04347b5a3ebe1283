from apps.notifications import emails, services
from apps.notifications.models import Channel
from config.celery import app


@app.task(name="notifications.process_intent")
def process_intent(intent_id: int) -> int:
    return services.intent_process(intent_id=intent_id)


process_intent_task = process_intent


@app.task(name="notifications.sweep")
def sweep() -> int:
    """Beat, every minute: intents and e-mails that were never queued (broker down)."""
    return services.intents_sweep() + emails.sweep_immediate()


sweep_task = sweep


@app.task(name="notifications.email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_notifications(notification_ids: list[int]) -> int:
    return emails.send_immediate(notification_ids)


email_notifications_task = email_notifications


@app.task(name="notifications.digest")
def digest(channel: str) -> int:
    if channel not in (Channel.DAILY, Channel.WEEKLY):
        raise ValueError(channel)
    return emails.send_digests(channel=channel)


digest_task = digest


@app.task(name="notifications.prune")
def prune() -> int:
    return services.prune()


prune_task = prune
