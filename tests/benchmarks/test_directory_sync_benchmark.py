"""Full directory syncs from a real slapd: 10,000 then 100,000 entries, each three times:
into an empty database, unchanged, and with 5 % of the entries changed. End to end: the
paged LDAP read, the comparison, and the write. `make bench` prints the figures."""

import os
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from apps.directory.models import DirectoryRun, DirectorySource, RunState
from apps.directory.services.sync import directory_sync
from tests.directory.conftest import slapd_server  # noqa: F401 - the session's slapd
from tests.directory.helpers import make_source
from tests.directory.slapd import people

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db(transaction=True), pytest.mark.timeout(3600)]

# BENCH_DIRECTORY_SIZES=10000 runs the small one only.
SIZES = tuple(int(size) for size in os.environ.get("BENCH_DIRECTORY_SIZES", "10000,100000").split(","))
CHANGED_SHARE = 0.05
GOALS = {  # seconds
    (10_000, "first"): 3.0,
    (10_000, "unchanged"): 2.0,
    (100_000, "first"): 30.0,
}
RESULTS: dict[tuple[int, str], tuple[float, dict, dict]] = {}


def _forget(source: DirectorySource) -> None:
    """Remove what a source made (bulk SQL: the ORM's cascade over 100,000 users takes minutes)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE gone AS SELECT user_id FROM directory_directoryaccount WHERE source_id = %s",
            [source.pk],
        )
        cursor.execute("DELETE FROM directory_directoryaccount WHERE source_id = %s", [source.pk])
        cursor.execute("DELETE FROM directory_directoryrun WHERE source_id = %s", [source.pk])
        for table in ("account_emailaddress", "profiles_profile", "accounts_user"):
            column = "id" if table == "accounts_user" else "user_id"
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT user_id FROM gone)")  # noqa: S608
        cursor.execute("DROP TABLE gone")
    source.delete()


def _timed(source: DirectorySource) -> tuple[float, DirectoryRun]:
    started = time.perf_counter()
    run = directory_sync(source=source)
    seconds = time.perf_counter() - started
    assert run.state == RunState.SUCCEEDED, run.message
    return seconds, run


@pytest.mark.parametrize("size", SIZES)
def test_full_sync(slapd_server, size):  # noqa: F811
    entries = people(size)
    load_seconds = slapd_server.bulk_load(entries)
    source = make_source(slapd_server, name=f"bench-{size}", page_size=1000, deactivation_limit=size)
    try:
        seconds, run = _timed(source)
        assert run.counts["created"] == size and run.counts["errors"] == 0
        RESULTS[size, "first"] = (seconds, run.counts, run.diff["timings_ms"])

        seconds, run = _timed(source)
        assert run.counts["unchanged"] == size
        RESULTS[size, "unchanged"] = (seconds, run.counts, run.diff["timings_ms"])

        step = int(1 / CHANGED_SHARE)
        changed = entries[::step]
        started = time.perf_counter()
        connection_ = slapd_server.admin()
        for dn, attributes in changed:
            connection_.modify(dn, {"title": [("MODIFY_REPLACE", [f"{attributes.get('title', 'x')} (new)"])]})
        connection_.unbind()
        modify_seconds = time.perf_counter() - started
        seconds, run = _timed(source)
        assert run.counts["updated"] == len(changed), run.counts
        RESULTS[size, "5% changed"] = (seconds, run.counts, run.diff["timings_ms"])
        print(f"\n[{size:,} entries: slapd loaded in {load_seconds:.1f} s, {len(changed):,} changed in "
              f"{modify_seconds:.1f} s]")  # fmt: skip
    finally:
        _forget(source)
    User = get_user_model()
    assert not User.objects.filter(email__in=[entries[0][1]["mail"], entries[-1][1]["mail"]]).exists()


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    if not RESULTS:
        return
    print("\nDirectory sync from slapd, end to end (paged read, comparison, bulk write):")
    print(f"  {'entries':>8}  {'run':<11}{'seconds':>8}  {'goal':>11}  {'read / compare / write s':<26}counts")
    failures = []
    for (size, kind), (seconds, counts, timings) in RESULTS.items():
        goal = GOALS.get((size, kind))
        verdict = "" if goal is None else (" met" if seconds <= goal else " NOT MET")
        shown = ", ".join(f"{key} {value:,}" for key, value in counts.items() if value)
        phases = " / ".join(f"{timings.get(name, 0) / 1000:.2f}" for name in ("read", "compare", "write"))
        goal_text = f"<= {goal}{verdict}" if goal else ""
        print(f"  {size:>8,}  {kind:<11}{seconds:>8.2f}  {goal_text:>11}  {phases:<26}{shown}")
        if goal is not None and seconds > goal:
            failures.append(f"{size:,} {kind}: {seconds:.2f} s > {goal} s")
    assert not failures, failures
