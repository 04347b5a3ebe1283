"""`make run` keeps the site up: a process or embedded server that dies (SIGKILL) comes
back at the same address while the rest keeps answering, a crash loop stops everything,
and a signal sent to make's own PID stops everything too.

The end-to-end tests start the real `make -s run` on a fresh var/ once (migrate and seed
take about 20 s) and kill its pieces in turn; the policy and parent-watch tests are fast."""

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests
import yaml
from channels_redis.pubsub import RedisPubSubChannelLayer
from websockets.sync.client import connect as websocket_connect

from apps.demo.organisation_data import ADMIN_EMAIL, CEO, DEMO_PASSWORD, demo_email
from apps.realtime.selectors import COMPANY_GROUP
from config.supervision import Child, RestartPolicy, supervise
from tests.benchmarks.support import free_port
from tests.test_run_command import _processes_using, _signed_in

BASE_DIR = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- the policy, fast


def test_restarts_back_off_and_a_crash_loop_gives_up():
    policy = RestartPolicy(first_delay=1, longest_delay=30, limit=5, window=60)
    assert [policy.delay_after_death(at) for at in (0, 1, 3, 7)] == [1, 2, 4, 8]
    assert policy.delay_after_death(15) is None  # the fifth death within 60 s
    assert policy.describe_limit() == "5 times within 60 s"


def test_deaths_far_apart_restart_after_the_first_delay_and_delays_stop_growing():
    policy = RestartPolicy(first_delay=1, longest_delay=3, limit=10, window=60)
    assert [policy.delay_after_death(at) for at in (0, 100, 200)] == [1, 1, 1]
    assert [policy.delay_after_death(at) for at in (201, 202, 203, 204)] == [2, 3, 3, 3]


class _Unwatched:
    """Not started by make: nothing to watch."""

    def stop_reason(self):
        return None


def test_a_crash_loop_stops_the_run_with_its_reason(capsys):
    crasher = Child("crasher", ["sh", "-c", "exit 3"], lambda name: dict(os.environ))
    crasher.policy = RestartPolicy(first_delay=0.05, longest_delay=0.2, limit=3, window=30)
    crasher.start()
    assert supervise([crasher], [], _Unwatched()) == 3
    said = capsys.readouterr().out
    assert "[run] crasher exited with 3; restarting in 0.05 s" in said
    assert "[run] crasher exited with 3; restarting in 0.1 s" in said
    assert "[run] crasher exited with 3, 3 times within 30 s; stopping everything" in said


def test_what_a_dead_process_started_does_not_outlive_it():
    """uvicorn's workers would keep the dead web server's port, Celery's pool its tasks."""
    child = Child("web", ["sh", "-c", "sleep 300 & exec sleep 301"], lambda name: dict(os.environ))
    child.start()
    deadline = time.monotonic() + 5
    while len(psutil.Process(child.process.pid).children()) < 1:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    worker = psutil.Process(child.process.pid).children()[0]
    child.process.kill()
    child.process.wait()
    assert child.death() == "exited with -9"
    child.start()
    try:
        assert not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE
    finally:
        child.stop()


def test_compose_restarts_every_service_but_the_one_off_migration():
    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]
    assert services.pop("migrate")["restart"] == "no"
    for name, service in services.items():
        assert service.get("restart") == "unless-stopped", name
        assert service.get("healthcheck"), name


# ---------------------------------------------------------------- make's own PID, fast

# What config.run does about its parent and the signals it gets itself, on its own.
WATCHER = (
    "import signal, sys, time\n"
    "from config.supervision import ParentWatch\n"
    "got = []\n"
    "for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):\n"
    "    signal.signal(signum, lambda signum, frame: got.append(signal.Signals(signum).name))\n"
    "watch = ParentWatch()\n"
    "print('watching', watch.under_make, flush=True)\n"
    "while not got and not (reason := watch.stop_reason()):\n"
    "    time.sleep(0.1)\n"
    "print(f'got {got[0]}' if got else reason, flush=True)\n"
)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP, signal.SIGTERM])
def test_a_signal_sent_to_make_alone_reaches_the_run(tmp_path, signum):
    """GNU make passes only SIGTERM on to its recipe; on SIGINT and SIGHUP it waits for it."""
    (tmp_path / "watcher.py").write_text(WATCHER)
    (tmp_path / "Makefile").write_text(f"run:\n\t{sys.executable} {tmp_path / 'watcher.py'}\n")
    make = subprocess.Popen(
        ["make", "-s", "-f", str(tmp_path / "Makefile"), "run"],
        cwd=BASE_DIR,
        env={**os.environ, "PYTHONPATH": str(BASE_DIR)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # The signals a terminal's Ctrl-C sends the group go to make alone here.
        start_new_session=True,
    )
    try:
        assert make.stdout.readline().strip() == "watching True"
        make.send_signal(signum)
        output = make.communicate(timeout=10)[0]
    finally:
        make.kill()
    # make passes SIGTERM on: the run gets it itself.
    expected = f"got {signum.name}" if signum == signal.SIGTERM else f"make got {signum.name}"
    assert expected in output
    assert make.returncode != 0


# ---------------------------------------------------------------- the real make run


class Run:
    """`make -s run` on its own var/ and ports, its output read as it comes."""

    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.port, self.live_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        hidden = {
            "DATABASE_URL",
            "REDIS_URL",
            "EMBEDDED_DATABASE",
            "EMBEDDED_REDIS",
            "SECRET_KEY",
            "SITE_URL",
            "LIVE_URL",
        }
        self.env = {key: value for key, value in os.environ.items() if key not in hidden}
        self.env.update(
            VAR_DIR=str(var_dir), PORT=str(self.port), LIVE_PORT=str(self.live_port), WORKER_CONCURRENCY="1"
        )
        self.lines: list[str] = []
        self.make = subprocess.Popen(
            ["make", "-s", "run"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        # Read on, or the processes block on a full pipe.
        threading.Thread(target=lambda: self.lines.extend(self.make.stdout), daemon=True).start()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 60, after: int = 0) -> re.Match:
        deadline = time.monotonic() + timeout
        while True:
            if found := re.search(pattern, "".join(self.lines[after:])):
                return found
            assert time.monotonic() < deadline, f"no {pattern!r} within {timeout} s:\n{self.output[-5000:]}"
            assert self.make.poll() is None or time.monotonic() < deadline, self.output[-5000:]
            time.sleep(0.2)

    def child(self, name: str) -> psutil.Process:
        (supervisor,) = psutil.Process(self.make.pid).children()
        marks = {"web": "config.asgi:", "live": "config.asgi_live:", "worker": " worker ", "beat": " beat "}
        (found,) = [p for p in supervisor.children() if marks[name] in " ".join(p.cmdline()) + " "]
        return found

    def redis_state(self) -> str:
        return (self.var_dir / "redis" / "state").read_text()

    def server_pid(self, server: str) -> int:
        if server == "redis":
            return int((self.var_dir / "redis" / "redis.pid").read_text())
        return int((self.var_dir / "postgres" / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        if self.make.poll() is None:
            self.make.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.make.wait(timeout=60)
        for process in _processes_using(self.var_dir):
            process.kill()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    started = Run(tmp_path_factory.mktemp("supervised") / "var")
    try:
        started.wait_for("Press Ctrl-C", timeout=180)
        yield started
    finally:
        started.stop()


def _pages_answer_throughout(run: Run, seconds: float) -> list[int]:
    codes, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        codes.append(requests.get(f"{run.base}/accounts/login/", timeout=10).status_code)
        time.sleep(0.25)
    return codes


def _wait_until_answering(run: Run, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"{run.base}/accounts/login/", timeout=10).status_code == 200:
                return
        assert time.monotonic() < deadline, "the site never answered again"
        time.sleep(0.25)


def _invite(run: Run, email: str) -> None:
    """A write whose task (the invitation's e-mail, printed by the console backend) the
    worker must run."""
    admin = _signed_in(run.base, ADMIN_EMAIL)
    add = f"{run.base}/admin/accounts/invitation/add/"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', admin.get(add, timeout=10).text).group(1)
    response = admin.post(
        add, data={"email": email, "csrfmiddlewaretoken": token}, headers={"Referer": add}, timeout=10
    )
    assert response.status_code == 200 and response.url != add


def _live_socket_gets(run: Run, session: requests.Session, timeout: float = 30) -> None:
    """A socket opens on the live process, and an event published through Redis reaches it."""
    cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    deadline = time.monotonic() + timeout
    while True:
        try:
            with websocket_connect(
                f"ws://127.0.0.1:{run.live_port}/ws/",
                origin=run.base,
                additional_headers={"Cookie": cookie},
                open_timeout=5,
            ) as socket_:
                assert '"type": "hello"' in socket_.recv(timeout=10)
                port, password = run.redis_state().split()
                layer = RedisPubSubChannelLayer(
                    hosts=[f"redis://:{password}@127.0.0.1:{port}/0"],
                    prefix=f"{run.env.get('REDIS_PREFIX', 'esn')}:asgi",
                )
                event = {"type": "event.forward", "event": {"type": "supervisor.check"}}
                asyncio.run(layer.group_send(COMPANY_GROUP, event))
                assert "supervisor.check" in socket_.recv(timeout=10)
                return
        except (OSError, TimeoutError):
            assert time.monotonic() < deadline, "no socket on the live process"
            time.sleep(0.5)


def test_make_run_serves_the_product(run):
    """It migrates, seeds, serves the sign-in page, lets a demo user in, gives the pages the
    live process's socket on its own port, and e-mails links to the port it serves."""
    text = run.output
    assert f"http://127.0.0.1:{run.port}" in text
    assert demo_email(*CEO[:2]) in text and DEMO_PASSWORD in text
    base = run.base
    session = _signed_in(base, demo_email(*CEO[:2]))
    response = session.get(f"{base}/", timeout=10)
    assert CEO[0] in response.text

    # The pages open their socket on the live process, which knows the session.
    live_url = f"ws://127.0.0.1:{run.live_port}/ws/"
    assert f'data-live-url="{live_url}"' in response.text
    assert f"ws://127.0.0.1:{run.live_port}" in response.headers["Content-Security-Policy"]
    cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    with websocket_connect(live_url, origin=base, additional_headers={"Cookie": cookie}, open_timeout=10) as socket_:
        assert '"type": "hello"' in socket_.recv(timeout=10)
    assert requests.get(f"http://127.0.0.1:{run.live_port}/", timeout=10).status_code == 404

    deadline = time.monotonic() + 60
    while session.get(f"{base}/healthz", timeout=10).json()["worker"] != "ok":
        assert time.monotonic() < deadline, "the Celery worker never answered"
        time.sleep(1)

    # An invitation, sent by the worker (the console e-mail backend prints it), links to
    # the port the site runs on: without SITE_URL, make run derives it from HOST and PORT.
    _invite(run, "newcomer@partner.example")
    deadline = time.monotonic() + 30
    while not re.search(r"https?://\S+/accounts/invitation/\S+/", run.output):
        assert time.monotonic() < deadline, "the invitation e-mail never went out"
        time.sleep(0.5)
    links = re.findall(r"https?://[^/\s]+/accounts/invitation/", run.output)
    assert set(links) == {f"{base}/accounts/invitation/"}
    assert _processes_using(run.var_dir), "the embedded servers should be running"


def test_a_killed_worker_is_restarted_and_its_tasks_still_run(run):
    mark = len(run.lines)
    run.child("worker").kill()
    run.wait_for(r"\[run\] worker exited with -9; restarting in 1 s", timeout=10, after=mark)
    assert set(_pages_answer_throughout(run, 2)) == {200}
    run.wait_for(r"\[run\] worker restarted", timeout=10, after=mark)
    _invite(run, "after-worker@partner.example")
    run.wait_for(r"after-worker@partner\.example", timeout=60, after=mark)


def test_a_killed_live_process_is_restarted_and_sockets_connect_again(run):
    mark = len(run.lines)
    run.child("live").kill()
    run.wait_for(r"\[run\] live exited with -9; restarting in 1 s", timeout=10, after=mark)
    assert set(_pages_answer_throughout(run, 1)) == {200}
    _live_socket_gets(run, _signed_in(run.base, demo_email(*CEO[:2])))


def test_a_killed_redis_comes_back_at_the_same_address_and_everything_uses_it(run):
    session = _signed_in(run.base, demo_email(*CEO[:2]))
    state, beat = run.redis_state(), run.child("beat").pid
    mark = len(run.lines)
    os.kill(run.server_pid("redis"), signal.SIGKILL)
    run.wait_for(r"\[run\] embedded Redis died; restarting in 1 s", timeout=10, after=mark)
    run.wait_for(r"\[run\] embedded Redis is back at the same address", timeout=20, after=mark)
    assert run.redis_state() == state
    assert session.get(f"{run.base}/", timeout=10).status_code == 200
    # The web process queues, the worker runs, the live process delivers: all reconnected.
    _invite(run, "after-redis@partner.example")
    run.wait_for(r"after-redis@partner\.example", timeout=60, after=mark)
    _live_socket_gets(run, session)
    assert run.child("beat").pid == beat, "beat died with Redis"
    assert "exited with" not in "".join(run.lines[mark:])


def test_a_killed_postgres_comes_back_and_pages_answer_again(run):
    session = _signed_in(run.base, demo_email(*CEO[:2]))
    mark = len(run.lines)
    os.kill(run.server_pid("postgres"), signal.SIGKILL)
    run.wait_for(r"\[run\] embedded PostgreSQL died; restarting in 1 s", timeout=10, after=mark)
    run.wait_for(r"\[run\] embedded PostgreSQL is back at the same address", timeout=30, after=mark)
    deadline = time.monotonic() + 20
    while session.get(f"{run.base}/", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "the pages never answered again"
        time.sleep(0.5)
    assert CEO[0] in session.get(f"{run.base}/", timeout=10).text
    _invite(run, "after-postgres@partner.example")
    run.wait_for(r"after-postgres@partner\.example", timeout=60, after=mark)


def test_a_redis_whose_port_was_taken_meanwhile_comes_back_elsewhere_and_every_process_follows(run):
    old_port = int(run.redis_state().split()[0])
    mark = len(run.lines)
    os.kill(run.server_pid("redis"), signal.SIGKILL)
    with socket.socket() as squatter:
        # As a server binds (the killed Redis's connections wait in TIME_WAIT), within the
        # second the supervisor waits before restarting it.
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 1
        while True:
            try:
                squatter.bind(("127.0.0.1", old_port))
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.02)
        squatter.listen()
        run.wait_for(rf"\[run\] embedded Redis: port {old_port} is taken by another program", timeout=20, after=mark)
        run.wait_for(r"\[run\] embedded Redis is back at a new address; every process was restarted", after=mark)
    assert int(run.redis_state().split()[0]) != old_port
    _wait_until_answering(run)
    session = _signed_in(run.base, demo_email(*CEO[:2]))
    _invite(run, "after-new-port@partner.example")
    run.wait_for(r"after-new-port@partner\.example", timeout=60, after=mark)
    _live_socket_gets(run, session)


def test_sighup_to_make_stops_everything(run):
    """make waits on its recipe without passing SIGHUP (or SIGINT) on: it used to hang."""
    run.make.send_signal(signal.SIGHUP)
    run.make.wait(timeout=60)
    run.wait_for(r"\[run\] make got SIGHUP; stopping everything", timeout=5)
    run.wait_for(r"\[run\] stopped", timeout=5)
    time.sleep(1)
    assert _processes_using(run.var_dir) == []


def test_sigterm_to_make_stops_a_second_run_on_the_same_var(run):
    """The embedded servers of the first run come back with the data it wrote."""
    run.stop()  # (stopped already when the SIGHUP test ran before this one)
    assert run.make.poll() is not None and _processes_using(run.var_dir) == []
    again = Run(run.var_dir)
    try:
        again.wait_for("Press Ctrl-C", timeout=120)
        assert set(_pages_answer_throughout(again, 0.5)) == {200}
        again.make.send_signal(signal.SIGTERM)
        again.make.wait(timeout=60)
        again.wait_for(r"\[run\] stopped", timeout=5)
    finally:
        again.stop()
    time.sleep(1)
    assert _processes_using(run.var_dir) == []
