"""`make run`: the embedded servers (unless URLs are given), migrations, the demo
data, then the web server (pages), the live server (the /ws/ WebSocket, on PORT + 1
unless LIVE_PORT says otherwise), a Celery worker and Celery beat in the foreground.

This process attaches to the embedded servers (config/embedded.py) and hands their
URLs to its children. The children run in their own sessions so that Ctrl-C reaches
only this supervisor, which stops them (web, live, worker, beat), then detaches: the
embedded Redis and PostgreSQL stop unless another run still uses them.

A child that dies is restarted after 1 s, then 2, 4, 8... (at most 30 s) while it keeps
dying; one that dies 5 times within 60 s stops everything, so that nothing crash-loops
unnoticed. A dead embedded server is restarted on the same address; the children
reconnect. SIGINT, SIGTERM or SIGHUP to this process, or to the `make` that started it,
stops everything.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import environ

from config.supervision import FATAL_SIGNALS, Child, EmbeddedServer, ParentWatch, attach_embedded, say, supervise

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent

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
    # A page sends pings, follows and "typing" of a few dozen bytes: uvicorn's default of
    # 16 MiB per frame let a few sockets stall the live process's loop with huge frames.
    "--ws-max-size",
    "65536",
]


def _start_embedded(env: dict) -> list[str]:
    """Attach this process to the embedded servers whose URL is not given; which."""
    servers = [name for name, url in (("postgres", "DATABASE_URL"), ("redis", "REDIS_URL")) if not env.get(url)]
    if not servers:
        return []
    urls = attach_embedded(env, servers)
    for name, flag in (("DATABASE_URL", "EMBEDDED_DATABASE"), ("REDIS_URL", "EMBEDDED_REDIS")):
        if name in urls:
            env[name] = urls[name]
            env[flag] = "1"
    return servers


def _stop_embedded() -> None:
    from config import embedded

    for server in embedded.detach(os.getpid()):
        say(f"embedded {server} stopped")


def _wait_for_port(host: str, port: int, timeout: float, children: list[Child]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(child.process.poll() is not None for child in children):
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

    stop_signal: list[int] = []

    def request_stop(signum, frame):
        stop_signal.append(signum)

    for signum in FATAL_SIGNALS:
        signal.signal(signum, request_stop)
    parent = ParentWatch()

    children: list[Child] = []
    code = 0
    attached: list[str] = []
    try:
        say("starting PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL are set)")
        attached = _start_embedded(env)
        steps = [["migrate", "--no-input", "-v", "0"]]
        # The demo organisation (with its published passwords) goes only into the
        # embedded database, or wherever it is asked for explicitly.
        if env.get("EMBEDDED_DATABASE") or env.get("SEED_DEMO"):
            steps.append(["seed_demo"])
        for step in steps:
            if stop_signal:
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

        concurrency = env.get("WORKER_CONCURRENCY", "2")
        commands = {
            "web": uvicorn("config.asgi:application", port),
            # One process holds every socket: it waits on them, it does not compute.
            "live": uvicorn("config.asgi_live:application", live_port),
            "worker": [str(BIN / "celery"), "-A", "config", "worker", "-l", "info", "--concurrency", concurrency],
            "beat": [str(BIN / "celery"), "-A", "config", "beat", "-l", "info"],
        }

        def env_for(name: str) -> dict:
            # Read at each start: a server back at a new address gives new URLs.
            # The web server pools its database connections; Celery's forked workers must not.
            own_env = {key: value for key, value in env.items() if key != "DATABASE_POOL_SIZE"}
            if name in ("web", "live"):
                own_env["DATABASE_POOL_SIZE"] = env.get("DATABASE_POOL_SIZE", "10")
            if name == "web":
                # uvicorn's own variable: one process per core serves the most pages.
                own_env["WEB_CONCURRENCY"] = env.get("WEB_CONCURRENCY", str(min(os.cpu_count() or 1, 4)))
            else:
                own_env.pop("WEB_CONCURRENCY", None)
            return own_env

        for name, command in commands.items():
            if stop_signal:
                break
            child = Child(name, command, env_for)
            child.start()
            children.append(child)

        if not stop_signal and all(_wait_for_port(host, each, 60, children) for each in (port, live_port)):
            from apps.demo.organisation_data import ADMIN_EMAIL, CEO, DEMO_PASSWORD, demo_email

            print(
                "\n"
                f"  Enterprise Social is running at http://{host}:{port}\n"
                f"  E-mails link to {env['SITE_URL']} (SITE_URL)\n"
                f"  Sign in as an employee: {demo_email(CEO[0], CEO[1])} / {DEMO_PASSWORD}\n"
                f"  Sign in as the admin:   {ADMIN_EMAIL} / {DEMO_PASSWORD}\n"
                "  Press Ctrl-C to stop everything.\n",
                flush=True,
            )

        def restart_children() -> None:
            for child in children:
                child.ask_to_stop()
            for child in children:
                child.stop(asked=True)
                child.start()

        watched = [*(EmbeddedServer(server, env, restart_children) for server in attached), *children]
        code = supervise(watched, stop_signal, parent)
    except subprocess.CalledProcessError as error:
        say(f"{' '.join(map(str, error.cmd))} failed with {error.returncode}")
        code = error.returncode or 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for child in children:
            child.ask_to_stop()
        for child in children:
            child.stop(asked=True)
        if attached:
            _stop_embedded()
    say("stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
