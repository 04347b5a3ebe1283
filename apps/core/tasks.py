from celery import shared_task


@shared_task(name="core.ping", ignore_result=False)
def ping() -> str:
    """Answered by any live worker; used by the health check and the tests."""
    return "pong"


ping_task = ping
