"""Tests that stop a server the whole suite shares run alone.

Under pytest-xdist the workers share one PostgreSQL server (each has its own database on
it). A fault test that stops that server (SIGSTOP) would stall or fail whatever the other
worker runs at that moment: CI saw a French journey's sign-in page answer 503 ("connection
timeout expired") while the database-hang test held the server stopped. Such a test is
marked ``@pytest.mark.exclusive``; every test takes a turn around its setup, call and
teardown: a shared turn for most, the whole server for an exclusive one.

Two flock(2) locks give the exclusive test priority: every test passes a turnstile before
taking its shared turn, and an exclusive test holds the turnstile while it waits for the
shared turns under way to end, so that the other worker cannot start test after test ahead
of it. Without xdist (``-n 0``) there is one process and nothing to take turns with.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Whether this process holds the whole server now: what stops a shared server checks it.
_held = {"exclusive": False}


def holds_the_whole_suite() -> bool:
    return _held["exclusive"] or not os.environ.get("PYTEST_XDIST_WORKER")


def lock_directory() -> Path | None:
    """The same directory for every worker of one run; None when not under xdist."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not os.environ.get("PYTEST_XDIST_WORKER") or not run:
        return None
    return Path(tempfile.gettempdir()) / f"pytest-turns-{run}"


@contextlib.contextmanager
def turn(directory: Path | None, exclusive: bool) -> Iterator[None]:
    if directory is None:
        yield
        return
    directory.mkdir(exist_ok=True)
    with open(directory / "turnstile", "a") as turnstile, open(directory / "server", "a") as server:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        if exclusive:
            fcntl.flock(server, fcntl.LOCK_EX)
        else:
            fcntl.flock(server, fcntl.LOCK_SH)
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        _held["exclusive"] = exclusive
        try:
            yield
        finally:
            _held["exclusive"] = False
            # Closing the files releases both locks.
