"""The turns of tests/exclusive.py: a test that stops a shared server runs while no other
test does, and is not kept waiting by the other worker starting test after test.

flock(2) locks belong to an open file, so threads opening the files each on their own
contend as the two workers' processes do."""

import threading
import time

import pytest

from tests import exclusive


def _take(directory, kind, events, hold_seconds, started=None):
    with exclusive.turn(directory, kind == "exclusive"):
        events.append(("start", kind))
        if started is not None:
            started.set()
        time.sleep(hold_seconds)
        events.append(("end", kind))


def _run(target, *args):
    thread = threading.Thread(target=target, args=args)
    thread.start()
    return thread


def test_an_exclusive_turn_waits_for_the_shared_turn_under_way(tmp_path):
    events, shared_started = [], threading.Event()
    shared = _run(_take, tmp_path, "shared", events, 0.3, shared_started)
    assert shared_started.wait(5)
    sole = _run(_take, tmp_path, "exclusive", events, 0.1)
    shared.join(5)
    sole.join(5)
    assert events == [("start", "shared"), ("end", "shared"), ("start", "exclusive"), ("end", "exclusive")]


def test_a_shared_turn_asked_for_after_a_waiting_exclusive_one_goes_after_it(tmp_path):
    events, first_started = [], threading.Event()
    first = _run(_take, tmp_path, "shared", events, 0.4, first_started)
    assert first_started.wait(5)
    sole = _run(_take, tmp_path, "exclusive", events, 0.2)
    time.sleep(0.1)  # the exclusive turn is waiting now, holding the turnstile
    second = _run(_take, tmp_path, "shared", events, 0)
    for thread in (first, sole, second):
        thread.join(5)
    assert [kind for what, kind in events if what == "start"] == ["shared", "exclusive", "shared"]
    assert events.index(("start", "shared"), 1) > events.index(("end", "exclusive"))


def test_shared_turns_run_together(tmp_path):
    events, started = [], [threading.Event(), threading.Event()]
    threads = [_run(_take, tmp_path, "shared", events, 0.3, event) for event in started]
    assert all(event.wait(1) for event in started)  # both began before either ended
    for thread in threads:
        thread.join(5)
    assert events[:2] == [("start", "shared"), ("start", "shared")]


@pytest.mark.exclusive
def test_an_exclusive_test_holds_the_whole_suite():
    assert exclusive.holds_the_whole_suite()


def test_a_shared_test_under_xdist_does_not(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    assert not exclusive.holds_the_whole_suite()


def test_a_flush_that_deadlocked_with_a_late_request_is_tried_again():
    """tests/conftest.py: a transactional test's closing flush, cancelled by PostgreSQL's
    deadlock detector (a browser test's request still running), is tried again; any other
    error is not."""
    from django.core.management.base import CommandError
    from django.db import OperationalError

    from tests.conftest import _flush_retried_after_a_deadlock

    calls = []

    def deadlocks_once(_test):
        calls.append(1)
        if len(calls) == 1:
            raise CommandError("Database couldn't be flushed.") from OperationalError("deadlock detected")

    _flush_retried_after_a_deadlock(deadlocks_once)(None)
    assert len(calls) == 2

    def fails(_test):
        raise CommandError("Database couldn't be flushed.") from OperationalError("relation does not exist")

    with pytest.raises(CommandError):
        _flush_retried_after_a_deadlock(fails)(None)
