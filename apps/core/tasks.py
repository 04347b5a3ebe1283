from config.celery import app


@app.task(name="core.ping", ignore_result=False)
def ping() -> str:
    """Answered by any live worker; used by the health check and the tests."""
    return "pong"


ping_task = ping
