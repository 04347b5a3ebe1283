"""Beat queues each periodic task on time whether or not a worker is there to run it: after
a worker outage, every run queued meanwhile would run back to back (1,440 sweeps after a
day). Each entry's runs expire before the next one is queued, so one at most is waiting."""

from datetime import UTC, datetime, timedelta

import pytest
from celery.schedules import crontab

from config.celery import app


def period_of(schedule) -> float:
    """Seconds between two runs: the interval, or for a crontab the shortest gap between
    its runs over a few weeks."""
    if isinstance(schedule, int | float | timedelta):
        return schedule.total_seconds() if isinstance(schedule, timedelta) else float(schedule)
    assert isinstance(schedule, crontab), schedule
    schedule.app = app
    run, gaps = datetime(2025, 3, 5, 12, 7, tzinfo=UTC), []
    for _step in range(30):
        last, delta, _now = schedule.remaining_delta(run)
        following = last + delta
        gaps.append((following - run).total_seconds())
        run = following
    return min(gaps[1:])  # the first gap is from an arbitrary moment, not from a run


@pytest.mark.parametrize("name", sorted(app.conf.beat_schedule))
def test_every_beat_entrys_runs_expire_before_the_next_is_queued(name):
    entry = app.conf.beat_schedule[name]
    expires = entry.get("options", {}).get("expires")
    assert expires is not None, f"{name}: its runs pile up while no worker takes them"
    period = period_of(entry["schedule"])
    # Long enough to be run after a short wait for a worker, gone before the next is queued.
    assert 0.75 * period <= expires < period, (name, expires, period)


@pytest.mark.parametrize("name", ["feeds-sweep-attachments", "notifications-daily-digest"])
def test_a_run_queued_by_beat_carries_its_expiry(name, monkeypatch):
    """What beat's scheduler sends: the entry's expiry reaches the task's apply_async."""
    from celery.beat import Scheduler

    app.loader.import_default_modules()  # the apps' task modules, as a worker or beat loads them
    scheduler = Scheduler(app, lazy=True)
    entry = scheduler.Entry(name=name, app=app, **app.conf.beat_schedule[name])
    sent = []
    monkeypatch.setattr(app.tasks[entry.task], "apply_async", lambda *args, **options: sent.append(options))
    scheduler.apply_async(entry, advance=False)
    assert sent[0]["expires"] == app.conf.beat_schedule[name]["options"]["expires"] > 0
