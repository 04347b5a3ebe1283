"""The embedded servers' life cycle: the last user to leave stops them; a killed one
comes back at the same address, with its data."""

import os
import signal
import socket
import subprocess
import time

import psutil
import psycopg
import pytest
import redis

from config import embedded


@pytest.fixture
def fresh_var(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "VAR_DIR", tmp_path)
    yield tmp_path
    embedded.stop_redis()


def _answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.ConnectionError:
        return False


def test_redis_stops_when_its_last_user_leaves(fresh_var):
    other = subprocess.Popen(["sleep", "60"])
    try:
        url = embedded.attach("redis", other.pid)
        assert embedded.attach("redis", 999_999_999) == url
        assert url.startswith("redis://:") and "@127.0.0.1:" in url
        assert _answers(url)
        # The other user is still alive: leaving does not stop the server.
        assert embedded.detach(999_999_999) == []
        assert _answers(url)
    finally:
        other.kill()
        other.wait()
    # A user that died without detaching is not waited for.
    assert embedded.attach("redis", 999_999_998) == url
    assert embedded.detach(999_999_998) == ["redis"]
    assert not _answers(url)


def test_redis_requires_its_password(fresh_var):
    url = embedded.attach("redis", 999_999_997)
    port = url.rsplit(":", 1)[1].split("/")[0]
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=int(port)).ping()
    embedded.detach(999_999_997)


def test_a_process_that_was_not_a_user_stops_nothing(fresh_var):
    url = embedded.attach("redis", 999_999_996)
    assert embedded.detach(12345) == []
    assert _answers(url)
    embedded.detach(999_999_996)


# ---------------------------------------------------------------- coming back after a SIGKILL


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_killed_redis_comes_back_at_its_address_with_what_it_held(fresh_var):
    url = embedded.attach("redis", 999_999_995)
    client = redis.Redis.from_url(url)
    client.rpush("queued-task", "kept")  # as Celery queues a task
    _kill(int((fresh_var / "redis" / "redis.pid").read_text()))
    assert not embedded.running("redis")
    # The processes that have its URL (make run's children) find it again.
    assert embedded.attach("redis", 999_999_995) == url
    assert embedded.running("redis")
    assert client.lrange("queued-task", 0, -1) == [b"kept"]
    embedded.detach(999_999_995)


def test_a_redis_whose_port_was_taken_meanwhile_comes_back_elsewhere_and_says_so(fresh_var, capsys):
    url = embedded.attach("redis", 999_999_994)
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    _kill(int((fresh_var / "redis" / "redis.pid").read_text()))
    with socket.socket() as squatter:
        # As a server binds: connections of the killed Redis may wait in TIME_WAIT, and its
        # listening socket may outlive its process by a moment.
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 2
        while True:
            try:
                squatter.bind(("127.0.0.1", port))
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        squatter.listen()
        new_url = embedded.attach("redis", 999_999_994)
    assert new_url != url and _answers(new_url)
    assert f"port {port} is taken by another program" in capsys.readouterr().err
    embedded.detach(999_999_994)


def test_a_killed_postgres_comes_back_on_the_same_socket_though_its_pid_was_reused(fresh_var):
    url = embedded.attach("postgres", 999_999_993)
    try:
        with psycopg.connect(_psycopg_url(url), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (word text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")
        pid_file = fresh_var / "postgres" / "postmaster.pid"
        _kill(int(pid_file.read_text().split()[0]))
        # After a SIGKILL the old PID may be another process's by the time of the restart.
        other = subprocess.Popen(["sleep", "60"])
        try:
            lines = pid_file.read_text().splitlines()
            pid_file.write_text("\n".join([str(other.pid), *lines[1:]]) + "\n")
            assert not embedded.running("postgres")
            assert embedded.attach("postgres", 999_999_993) == url
        finally:
            other.kill()
            other.wait()
        assert embedded.running("postgres")
        with psycopg.connect(_psycopg_url(url)) as conn:
            assert conn.execute("SELECT word FROM kept").fetchall() == [("still here",)]
    finally:
        embedded.detach(999_999_993)
    assert not embedded.running("postgres")


def _psycopg_url(url: str) -> str:
    """ "postgres://postgres@//socket/dir/name" as psycopg reads it."""
    socket_dir, name = url.split("@/", 1)[1].rsplit("/", 1)
    return f"postgresql://postgres@/{name}?host={socket_dir}"


# ---------------------------------------------------------------- started only when asked for


def test_a_missing_url_refuses_to_start_unless_the_embedded_servers_are_allowed(fresh_var, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://redis.example:6379/0")
    with pytest.raises(ImproperlyConfigured, match=r"^DATABASE_URL is not set\..*EMBEDDED_SERVERS=1"):
        embedded.configure_environment(allowed=False)
    assert list(fresh_var.iterdir()) == [], "nothing is started, no key is generated"


def test_with_both_urls_nothing_is_started_even_when_allowed(fresh_var, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://user@db.example/social")
    monkeypatch.setenv("REDIS_URL", "redis://redis.example:6379/0")
    embedded.configure_environment(allowed=True)
    embedded.configure_environment(allowed=False)
    assert list(fresh_var.iterdir()) == []
