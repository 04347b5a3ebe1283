"""What keeps `make run`'s processes up (config/run.py starts them): each child and each
embedded server is restarted with back-off when it dies, a crash loop stops everything,
and a signal sent to the `make` that started the run stops it too."""

# Why not supervisord (the `supervisor` package 4.3.0, measured 2026-12-07, Python 3.11,
# uvicorn 0.54, Celery 5.7, 2 shared cores; issue 19 item 8). A prototype kept config/run.py
# for what supervisord cannot do, and gave it web, live, worker and beat (a generated config:
# autorestart, startsecs 1, startretries 4, stopasgroup; XML-RPC to notice FATAL).
# What it lacks:
# - Back-off for a process that had started: one that dies after `startsecs` is restarted
#   at once, for ever. 6 SIGKILLs of the worker within 10 s gave 6 restarts and no stop.
#   Its back-off (1, 2, 3 s…) counts only deaths within `startsecs` of a start.
# - A crash-loop limit over a window. FATAL (after `startretries` quick deaths) stops that
#   program only; the rest run on.
# - Stopping what a dead leader started. uvicorn's orphaned workers kept the web port, so a
#   killed web server went FATAL after 5 "address in use" exits; it took a shell wrapper
#   that kills the old process group.
# - Watching the embedded servers, or giving the children Redis's new address (pgserver
#   starts PostgreSQL through pg_ctl, outside any supervisor); ParentWatch, EmbeddedServer
#   and the attach/detach stay here either way.
# - PR_SET_PDEATHSIG on its children: a SIGKILLed supervisord leaves them running.
# What it costs (3 runs each, alternated, load under 4; this module's figure second):
# start to the first 200 on /healthz 11.1-12.5 s against 7.4-8.5 s; the supervising
# processes 48.8 MB RSS (supervisord and config.run; 27 MB unique) against 20.1 MB (10 MB);
# Ctrl-C until nothing is left 2.4-4.1 s against 2.2-2.7 s.
# Where it is quicker, by not waiting: a SIGKILLed worker ran a queued task again after
# 2.3-2.4 s against 3.6-3.7 s, and a killed web server's pages answered again after
# 1.1-1.2 s against 2.9-3.1 s (its orphaned workers served until the new one started). The
# difference is this module's 1 s first delay and its stopping the orphans at once, both
# choices. A killed embedded Redis is the same code either way: back in 1.6-1.9 s.

import contextlib
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PR_SET_PDEATHSIG = 1
FATAL_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)
EMBEDDED_NAMES = {"postgres": "PostgreSQL", "redis": "Redis"}


def die_with_parent():
    # Linux: if the parent is killed outright, this process gets SIGTERM.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def say(text: str) -> None:
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
            self.command, cwd=BASE_DIR, env=self.env_for(self.name), start_new_session=True, preexec_fn=die_with_parent
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
            say(f"{self.name} did not stop in time; killing it")
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
        url = attach_embedded(dict(self.env), [self.server])[self.variable]
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
            die_with_parent()  # make killed outright: SIGTERM here

    def stop_reason(self) -> str | None:
        if not self.under_make:
            return None
        caught = _caught_signals(self.pid)
        if os.getppid() != self.pid or caught is None:
            return "make exited"
        if lost := self.caught - caught:
            return f"make got {signal.Signals(min(lost)).name}"
        return None


def attach_embedded(env: dict, servers: list[str]) -> dict:
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
            say(line)
    result.check_returncode()
    return json.loads(result.stdout.strip().splitlines()[-1])


def supervise(watched: list, stop_signal: list[int], parent: ParentWatch) -> int:
    """Restart whatever dies until asked to stop (0) or something dies too often (its code)."""
    while True:
        if stop_signal:
            say(f"got {signal.Signals(stop_signal[0]).name}; stopping everything")
            return 0
        if reason := parent.stop_reason():
            say(f"{reason}; stopping everything")
            return 0
        now = time.monotonic()
        for each in watched:
            if each.restart_at is not None:
                if now >= each.restart_at:
                    try:
                        say(each.restart())
                    except Exception as error:  # noqa: BLE001 - whatever it was, it is tried again
                        # Counted as another death at the next look.
                        say(f"{each.label} did not start again: {error}")
                        each.restart_at = None
                continue
            how = each.death()
            if how is None:
                continue
            delay = each.policy.delay_after_death(now)
            if delay is None:
                say(f"{each.label} {how}, {each.policy.describe_limit()}; stopping everything")
                process = getattr(each, "process", None)
                return (process.returncode if process else 0) or 1
            say(f"{each.label} {how}; restarting in {delay:g} s")
            each.restart_at = now + delay
        time.sleep(0.3)
