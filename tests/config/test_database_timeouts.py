"""The database timeouts (config/database.py, config/database_connection.py), on the real
test database: a wait past the read timeout closes the connection and its transaction never
commits; statement_timeout, shorter, is the server's to enforce first; the settings give the
timeouts to the pooled processes only."""

import time
import uuid

import environ
import psutil
import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from psycopg import sql
from psycopg_pool import ConnectionPool

from config.database import database_settings
from config.database_connection import CHECK_TIMEOUT, BoundedConnection, bounded_connection_class


def _params(**extra) -> dict:
    return {**connection.get_connection_params(), **extra}


@pytest.fixture
def probe_table(transactional_db):
    """A table that other connections see (committed), dropped afterwards."""
    name = sql.Identifier(f"read_timeout_probe_{uuid.uuid4().hex[:8]}")
    with psycopg.connect(**_params(autocommit=True)) as admin:
        admin.execute(sql.SQL("CREATE TABLE {} (id int)").format(name))
        try:
            yield name
        finally:
            admin.execute(sql.SQL("DROP TABLE {}").format(name))


def test_a_wait_past_the_read_timeout_closes_the_connection_and_its_transaction_never_commits(probe_table):
    conn = bounded_connection_class(0.5).connect(**_params(autocommit=False))
    backend = conn.info.backend_pid
    conn.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(probe_table))
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError, match=r"did not answer within 0\.5 s"):
        conn.execute("SELECT pg_sleep(1.5)")  # what a hung server looks like: no answer
    assert 0.4 < time.monotonic() - started < 1.2
    assert conn.closed
    with psycopg.connect(**_params(autocommit=True)) as observer:
        # The server finishes the statement, then reads the end of the connection: the
        # session ends and its transaction is rolled back.
        deadline = time.monotonic() + 10
        while observer.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]).fetchone():
            assert time.monotonic() < deadline, "the session outlived its closed connection"
            time.sleep(0.1)
        assert observer.execute(sql.SQL("SELECT count(*) FROM {}").format(probe_table)).fetchone() == (0,)


@pytest.mark.django_db
def test_a_statement_past_statement_timeout_is_cancelled_by_the_server_and_the_connection_kept():
    params = _params(autocommit=True, options="-c statement_timeout=200")
    with bounded_connection_class(1.0).connect(**params) as conn:
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(0.6)")
        assert conn.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.django_db
def test_the_pool_check_of_a_connection_to_a_stopped_backend_fails_within_a_second():
    """A request that waited DATABASE_POOL_TIMEOUT for a connection must not wait a whole
    read timeout more on its check: a stopped backend (SIGSTOP, this connection's only) fails
    it within CHECK_TIMEOUT."""
    conn = bounded_connection_class(3.5).connect(**_params(autocommit=True))
    backend = psutil.Process(conn.info.backend_pid)
    backend.suspend()
    try:
        started = time.monotonic()
        with pytest.raises(psycopg.OperationalError, match=r"did not answer within 1 s"):
            ConnectionPool.check_connection(conn)
        assert time.monotonic() - started < CHECK_TIMEOUT + 0.5
    finally:
        backend.resume()
    assert conn.closed


@pytest.mark.django_db
def test_answers_within_the_read_timeout_are_untouched():
    with bounded_connection_class(0.5).connect(**_params(autocommit=True)) as conn:
        assert conn.execute("SELECT pg_sleep(0.2), 1").fetchone()[1] == 1
        assert not conn.closed


def _settings(monkeypatch, **variables) -> dict:
    for name in ("DATABASE_POOL_SIZE", "DATABASE_STATEMENT_TIMEOUT", "DATABASE_READ_TIMEOUT", "DATABASE_POOL_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", "postgres://user@db.example/social")
    return database_settings(environ.Env())


def test_processes_without_a_pool_get_a_connect_timeout_and_no_statement_timeout(monkeypatch):
    # Migrations, management commands, Celery's tasks, make bench's seeding.
    database = _settings(monkeypatch)
    assert database["OPTIONS"]["connect_timeout"] == 2
    assert "statement_timeout" not in database["OPTIONS"]["options"]
    assert "pool" not in database["OPTIONS"]


def test_pooled_processes_get_every_timeout(monkeypatch):
    database = _settings(monkeypatch, DATABASE_POOL_SIZE="4")
    pool = database["OPTIONS"]["pool"]
    assert pool["timeout"] == 3.0
    assert issubclass(pool["connection_class"], BoundedConnection) and pool["connection_class"].read_timeout == 3.5
    assert database["OPTIONS"]["options"].endswith(" -c statement_timeout=3000")


def test_the_timeouts_are_set_from_the_environment(monkeypatch):
    database = _settings(
        monkeypatch,
        DATABASE_POOL_SIZE="4",
        DATABASE_STATEMENT_TIMEOUT="10",
        DATABASE_POOL_TIMEOUT="1.5",
    )
    pool = database["OPTIONS"]["pool"]
    assert pool["timeout"] == 1.5 and pool["connection_class"].read_timeout == 10.5
    assert "statement_timeout=10000" in database["OPTIONS"]["options"]
    # 0: no statement_timeout; the read timeout still bounds a hung server.
    database = _settings(monkeypatch, DATABASE_POOL_SIZE="4", DATABASE_STATEMENT_TIMEOUT="0")
    assert "statement_timeout" not in database["OPTIONS"]["options"]
    assert database["OPTIONS"]["pool"]["connection_class"].read_timeout == 3.5


def test_a_read_timeout_shorter_than_statement_timeout_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_READ_TIMEOUT"):
        _settings(monkeypatch, DATABASE_POOL_SIZE="4", DATABASE_STATEMENT_TIMEOUT="5", DATABASE_READ_TIMEOUT="4")
