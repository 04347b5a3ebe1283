"""`make run`: the embedded servers (unless URLs are given), migrations, the demo
data, then the web server (pages), the live server (the /ws/ WebSocket, on PORT + 1
unless LIVE_PORT says otherwise), a Celery worker and Celery beat in the foreground.

This process attaches to the embedded servers (config/embedded.py) and hands their
URLs to its children. The children run in their own sessions so that Ctrl-C reaches
only this supervisor, which stops them (web, live, worker, beat), then detaches: the
embedded Redis and PostgreSQL stop unless another run still uses them. A child that dies takes the
whole group down, so that nothing half-runs unnoticed.
"""

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
PR_SET_PDEATHSIG = 1

# How the web server runs (the Dockerfile says the same; make bench starts it so too).
UVICORN_OPTIONS = [
    "--lifespan",
    "off",  # Channels' application has no lifespan protocol
    "--no-server-header",
    # Events are small JSON: compression would cost about 37 KB of memory per socket.
    "--ws-per-message-deflate",
    "false",
    # uvicorn's websockets-sansio protocol, keeping less of each idle socket (4.6 KB of 33).
    "--ws",
    "config.websocket_protocol:LeanWebSocketProtocol",
]


def _die_with_parent():
    # Linux: if the supervisor is killed outright, its children get SIGTERM.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _say(text: str) -> None:
    print(f"[run] {text}", flush=True)


def _start_embedded(env: dict) -> bool:
    """Attach this process to the embedded servers unless both URLs are given."""
    if env.get("DATABASE_URL") and env.get("REDIS_URL"):
        return False
    # A new session: the postgres and redis daemons must not get the terminal's Ctrl-C
    # before the processes that use them have stopped.
    servers = [name for name, url in (("postgres", "DATABASE_URL"), ("redis", "REDIS_URL")) if not env.get(url)]
    result = subprocess.run(
        [PYTHON, "-m", "config.embedded", "start", str(os.getpid()), *servers],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        start_new_session=True,
    )
    urls = json.loads(result.stdout.strip().splitlines()[-1])
    for name, flag in (("DATABASE_URL", "EMBEDDED_DATABASE"), ("REDIS_URL", "EMBEDDED_REDIS")):
        if name in urls:
            env[name] = urls[name]
            env[flag] = "1"
    return True


def _stop_embedded() -> None:
    from config import embedded

    for server in embedded.detach(os.getpid()):
        _say(f"embedded {server} stopped")


def _wait_for_port(host: str, port: int, timeout: float, processes) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _reachable_host(host: str) -> str:
    """The host of an address that a browser can open for a server listening on `host`."""
    # Listening on every interface: this machine answers on loopback.
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - not a bind, the address of one
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def derive_addresses(env: dict) -> None:
    """The public addresses every child must agree on, from HOST, PORT and LIVE_PORT unless
    given: SITE_URL, which e-mails and tasks put in their links (settings' own default
    names port 8000, wrong under `PORT=8300 make run`), and LIVE_URL."""
    host = _reachable_host(env.get("HOST", "127.0.0.1"))
    port = int(env.get("PORT", "8000"))
    live_port = int(env.get("LIVE_PORT") or port + 1)
    if not env.get("SITE_URL"):
        env["SITE_URL"] = f"http://{host}:{port}"
    # Without a proxy in front to send /ws/ to the live server, the pages reach it on its
    # port (an empty LIVE_URL, given, says a proxy does).
    env.setdefault("LIVE_URL", f"ws://{host}:{live_port}/ws/")


def main() -> int:
    # Variables from .env count as the environment's: settings read the same file, and
    # what is derived below must not override what it says.
    environ.Env.read_env(BASE_DIR / ".env")
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env.setdefault("PYTHONUNBUFFERED", "1")
    host = env.get("HOST", "127.0.0.1")
    port = int(env.get("PORT", "8000"))
    live_port = int(env.get("LIVE_PORT") or port + 1)
    derive_addresses(env)

    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)

    processes: list[tuple[str, subprocess.Popen]] = []
    code = 0
    attached = True
    try:
        _say("starting PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL are set)")
        attached = _start_embedded(env)
        steps = [["migrate", "--no-input", "-v", "0"]]
        # The demo organisation (with its published passwords) goes only into the
        # embedded database, or wherever it is asked for explicitly.
        if env.get("EMBEDDED_DATABASE") or env.get("SEED_DEMO"):
            steps.append(["seed_demo"])
        for step in steps:
            if stopping:
                break
            subprocess.run([PYTHON, "manage.py", *step], cwd=BASE_DIR, env=env, check=True, start_new_session=True)

        if env.get("FORWARDED_ALLOW_IPS"):
            proxy_options = ["--proxy-headers", "--forwarded-allow-ips", env["FORWARDED_ALLOW_IPS"]]
        else:
            # Without a trusted proxy in front, X-Forwarded-For is the client's to forge.
            proxy_options = ["--no-proxy-headers"]

        def uvicorn(application: str, listen_on: int) -> list[str]:
            return [str(BIN / "uvicorn"), application, "--host", host, "--port", str(listen_on),
                    *UVICORN_OPTIONS, *proxy_options]  # fmt: skip

        commands = {
            "web": uvicorn("config.asgi:application", port),
            # One process holds every socket: it waits on them, it does not compute.
            "live": uvicorn("config.asgi_live:application", live_port),
            "worker": [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "-l",
                "info",
                "--concurrency",
                env.get("WORKER_CONCURRENCY", "2"),
            ],
            "beat": [str(BIN / "celery"), "-A", "config", "beat", "-l", "info"],
        }
        for name, command in commands.items():
            if stopping:
                break
            # The web server pools its database connections; Celery's forked workers must not.
            own_env = {key: value for key, value in env.items() if key != "DATABASE_POOL_SIZE"}
            if name in ("web", "live"):
                own_env["DATABASE_POOL_SIZE"] = env.get("DATABASE_POOL_SIZE", "10")
            if name == "web":
                # uvicorn's own variable: one process per core serves the most pages.
                own_env["WEB_CONCURRENCY"] = env.get("WEB_CONCURRENCY", str(min(os.cpu_count() or 1, 4)))
            else:
                own_env.pop("WEB_CONCURRENCY", None)
            process = subprocess.Popen(
                command, cwd=BASE_DIR, env=own_env, start_new_session=True, preexec_fn=_die_with_parent
            )
            processes.append((name, process))

        started = [p for _, p in processes]
        if not stopping and all(_wait_for_port(host, each, 60, started) for each in (port, live_port)):
            from apps.profiles.demo_data import ADMIN_EMAIL, CEO, DEMO_PASSWORD, demo_email

            print(
                "\n"
                f"  Enterprise Social is running at http://{host}:{port}\n"
                f"  E-mails link to {env['SITE_URL']} (SITE_URL)\n"
                f"  Sign in as an employee: {demo_email(CEO[0], CEO[1])} / {DEMO_PASSWORD}\n"
                f"  Sign in as the admin:   {ADMIN_EMAIL} / {DEMO_PASSWORD}\n"
                "  Press Ctrl-C to stop everything.\n",
                flush=True,
            )
        while not stopping:
            for name, process in processes:
                if process.poll() is not None:
                    _say(f"{name} exited with {process.returncode}; stopping everything")
                    code = process.returncode or 1
                    stopping = True
            time.sleep(0.3)
    except subprocess.CalledProcessError as error:
        _say(f"{' '.join(map(str, error.cmd))} failed with {error.returncode}")
        code = error.returncode or 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for _name, process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _say(f"{name} did not stop in time; killing it")
                process.kill()
                process.wait()
        if attached:
            _stop_embedded()
    _say("stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
