from apps.notifications import emails, services
from apps.notifications.apps import PROCESS_FACT_TASK
from apps.notifications.models import Channel
from config.celery import app


@app.task(name=PROCESS_FACT_TASK)
def process_fact(fact_id: int) -> int:
    """One fact this app subscribed to (apps.py), queued after commit by the facts app or
    run by its sweep."""
    return services.fact_process(fact_id=fact_id)


process_fact_task = process_fact


@app.task(name="notifications.sweep")
def sweep() -> int:
    """Beat, every minute: e-mails that were never queued (broker down). Facts whose task
    was never queued are the facts app's sweep's ("facts.sweep")."""
    return emails.sweep_immediate()


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
