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

import contextlib
import ctypes
import json
import os
import re
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
FATAL_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)
EMBEDDED_NAMES = {"postgres": "PostgreSQL", "redis": "Redis"}

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
    # Linux: if the parent is killed outright, this process gets SIGTERM.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _say(text: str) -> None:
    print(f"[run] {text}", flush=True)


class RestartPolicy:
    """When to restart what died: `first_delay` seconds after a first death, twice as long
    after each further one within `window` seconds (at most `longest_delay`); never (None)
    at the `limit`-th death within `window`: a crash loop stops the run."""

    def __init__(self, first_delay=1.0, longest_delay=30.0, limit=5, window=60.0):
        self.first_delay, self.longest_delay = first_delay, longest_delay
        self.limit, self.window = limit, window
        self.deaths: list[float] = []

    def delay_after_death(self, now: float) -> float | None:
        self.deaths = [*(each for each in self.deaths if now - each < self.window), now]
        if len(self.deaths) >= self.limit:
            return None
        return min(self.longest_delay, self.first_delay * 2 ** (len(self.deaths) - 1))

    def describe_limit(self) -> str:
        return f"{self.limit} times within {self.window:g} s"


class Child:
    """One of the processes the run keeps up (web, live, worker, beat), leading a session
    and process group of its own."""

    def __init__(self, name: str, command: list[str], env_for):
        self.name, self.label, self.command, self.env_for = name, name, command, env_for
        self.policy = RestartPolicy()
        self.process: subprocess.Popen | None = None
        self.restart_at: float | None = None
        self.leftovers: list = []

    def start(self) -> None:
        import psutil

        # What the dead leader left (uvicorn's workers hold its port, Celery's pool its tasks)
        # was asked to stop when it died; by now it must be gone.
        for process in self.leftovers:
            with contextlib.suppress(psutil.Error):
                process.kill()
        psutil.wait_procs(self.leftovers, timeout=5)
        self.leftovers = []
        self.process = subprocess.Popen(
            self.command, cwd=BASE_DIR, env=self.env_for(self.name), start_new_session=True, preexec_fn=_die_with_parent
        )
        self.restart_at = None

    def death(self) -> str | None:
        """How it died, or None while it runs."""
        if self.process is None or self.process.poll() is None:
            return None
        self.leftovers = self._group()
        for process in self.leftovers:
            with contextlib.suppress(Exception):
                process.terminate()
        return f"exited with {self.process.returncode}"

    def restart(self) -> str:
        self.start()
        return f"{self.name} restarted (pid {self.process.pid})"

    def ask_to_stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 15, asked: bool = False) -> None:
        """Stop it; `asked`: SIGTERM was sent already (a second would cut uvicorn short)."""
        if self.process is None:
            return
        if not asked:
            self.ask_to_stop()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _say(f"{self.name} did not stop in time; killing it")
            self.process.kill()
            self.process.wait()
        self.leftovers = self._group()
        for process in self.leftovers:
            with contextlib.suppress(Exception):
                process.kill()

    def _group(self) -> list:
        import psutil

        members = []
        for process in psutil.process_iter():
            with contextlib.suppress(psutil.Error, OSError):
                if os.getpgid(process.pid) == self.process.pid:
                    members.append(process)
        return members


class EmbeddedServer:
    """An embedded server this run started: a dead one is started again, at the same
    address unless its port was taken meanwhile (then `on_new_url` restarts the children)."""

    def __init__(self, server: str, env: dict, on_new_url):
        self.server, self.env, self.on_new_url = server, env, on_new_url
        self.label = f"embedded {EMBEDDED_NAMES[server]}"
        self.variable = "DATABASE_URL" if server == "postgres" else "REDIS_URL"
        self.policy = RestartPolicy()
        self.restart_at: float | None = None

    def death(self) -> str | None:
        from config import embedded

        return None if embedded.running(self.server) else "died"

    def restart(self) -> str:
        url = _attach_embedded(dict(self.env), [self.server])[self.variable]
        self.restart_at = None
        if url == self.env[self.variable]:
            return f"{self.label} is back at the same address; the processes reconnect to it"
        self.env[self.variable] = url
        self.on_new_url()
        return f"{self.label} is back at a new address; every process was restarted to use it"


def _caught_signals(pid: int) -> set[int] | None:
    """Which of the fatal signals process `pid` has a handler for (None: it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^SigCgt:\s*([0-9a-f]+)", status, re.MULTILINE)
    mask = int(found.group(1), 16) if found else 0
    return {signum for signum in FATAL_SIGNALS if mask & (1 << (signum - 1))}


class ParentWatch:
    """Under `make run`, a signal sent to make's PID alone must stop the run too. GNU make
    passes SIGTERM on to its recipe, but on SIGINT or SIGHUP (which a terminal sends to the
    whole process group) it only waits for the recipe to end, its handler reset to the
    default: this process notices that reset, or that make is gone, and stops."""

    def __init__(self):
        self.pid = os.getppid()
        try:
            command = Path(f"/proc/{self.pid}/comm").read_text().strip()
        except OSError:
            command = ""
        self.under_make = command in ("make", "gmake")
        self.caught = (_caught_signals(self.pid) or set()) if self.under_make else set()
        if self.under_make:
            _die_with_parent()  # make killed outright: SIGTERM here

    def stop_reason(self) -> str | None:
        if not self.under_make:
            return None
        caught = _caught_signals(self.pid)
        if os.getppid() != self.pid or caught is None:
            return "make exited"
        if lost := self.caught - caught:
            return f"make got {signal.Signals(min(lost)).name}"
        return None


def _attach_embedded(env: dict, servers: list[str]) -> dict:
    """Attach this process to `servers`, starting (or restarting) them; their URLs."""
    # A new session: the postgres and redis daemons must not get the terminal's Ctrl-C
    # before the processes that use them have stopped.
    result = subprocess.run(
        [PYTHON, "-m", "config.embedded", "start", str(os.getpid()), *servers],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        start_new_session=True,
    )
    # What config.embedded has to say (a Redis on a new port) is said here too.
    for line in result.stderr.splitlines():
        if line.startswith("embedded ") or result.returncode:
            _say(line)
    result.check_returncode()
    return json.loads(result.stdout.strip().splitlines()[-1])


def _start_embedded(env: dict) -> list[str]:
    """Attach this process to the embedded servers whose URL is not given; which."""
    servers = [name for name, url in (("postgres", "DATABASE_URL"), ("redis", "REDIS_URL")) if not env.get(url)]
    if not servers:
        return []
    urls = _attach_embedded(env, servers)
    for name, flag in (("DATABASE_URL", "EMBEDDED_DATABASE"), ("REDIS_URL", "EMBEDDED_REDIS")):
        if name in urls:
            env[name] = urls[name]
            env[flag] = "1"
    return servers


def _stop_embedded() -> None:
    from config import embedded

    for server in embedded.detach(os.getpid()):
        _say(f"embedded {server} stopped")


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
        _say("starting PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL are set)")
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

        def restart_children() -> None:
            for child in children:
                child.ask_to_stop()
            for child in children:
                child.stop(asked=True)
                child.start()

        watched = [*(EmbeddedServer(server, env, restart_children) for server in attached), *children]
        code = _supervise(watched, stop_signal, parent)
    except subprocess.CalledProcessError as error:
        _say(f"{' '.join(map(str, error.cmd))} failed with {error.returncode}")
        code = error.returncode or 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for child in children:
            child.ask_to_stop()
        for child in children:
            child.stop(asked=True)
        if attached:
            _stop_embedded()
    _say("stopped")
    return code


def _supervise(watched: list, stop_signal: list[int], parent: ParentWatch) -> int:
    """Restart whatever dies until asked to stop (0) or something dies too often (its code)."""
    while True:
        if stop_signal:
            _say(f"got {signal.Signals(stop_signal[0]).name}; stopping everything")
            return 0
        if reason := parent.stop_reason():
            _say(f"{reason}; stopping everything")
            return 0
        now = time.monotonic()
        for each in watched:
            if each.restart_at is not None:
                if now >= each.restart_at:
                    try:
                        _say(each.restart())
                    except Exception as error:  # noqa: BLE001 - whatever it was, it is tried again
                        # Counted as another death at the next look.
                        _say(f"{each.label} did not start again: {error}")
                        each.restart_at = None
                continue
            how = each.death()
            if how is None:
                continue
            delay = each.policy.delay_after_death(now)
            if delay is None:
                _say(f"{each.label} {how}, {each.policy.describe_limit()}; stopping everything")
                process = getattr(each, "process", None)
                return (process.returncode if process else 0) or 1
            _say(f"{each.label} {how}; restarting in {delay:g} s")
            each.restart_at = now + delay
        time.sleep(0.3)


if __name__ == "__main__":
    sys.exit(main())
