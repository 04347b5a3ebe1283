from apps.facts import services
from config.celery import app


@app.task(name="facts.sweep")
def sweep() -> int:
    """Beat, every minute: facts whose consumers' tasks were never queued (broker down)."""
    return services.facts_sweep()


sweep_task = sweep


@app.task(name="facts.prune")
def prune() -> int:
    return services.facts_prune()


prune_task = prune
