"""`make run`'s supervisor, end to end, on its own embedded servers in a fresh var/:
it migrates, seeds, serves the sign-in page, lets a demo user in, gives the pages the
live process's socket on its own port, and on Ctrl-C stops everything it started,
leaving no PostgreSQL or Redis behind."""

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
from websockets.sync.client import connect as websocket_connect

from apps.profiles.demo_data import ADMIN_EMAIL, CEO, DEMO_PASSWORD, demo_email
from config.run import derive_addresses

BASE_DIR = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes_using(var_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(var_dir) in cmdline:
            found.append(process)
    return found


def _signed_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=10)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/accounts/login/",
        data={"login": email, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.url == f"{base}/"
    return session


@pytest.mark.parametrize(
    ("given", "site_url", "live_url"),
    [
        ({"PORT": "8300"}, "http://127.0.0.1:8300", "ws://127.0.0.1:8301/ws/"),
        (
            {"HOST": "localhost", "PORT": "8300", "LIVE_PORT": "9000"},
            "http://localhost:8300",
            "ws://localhost:9000/ws/",
        ),
        ({"HOST": "0.0.0.0", "PORT": "8300"}, "http://127.0.0.1:8300", "ws://127.0.0.1:8301/ws/"),  # noqa: S104
        ({"HOST": "::1"}, "http://[::1]:8000", "ws://[::1]:8001/ws/"),
        ({"PORT": "8300", "SITE_URL": "https://social.example.com"}, "https://social.example.com", None),
        ({"PORT": "8300", "SITE_URL": "", "LIVE_URL": ""}, "http://127.0.0.1:8300", ""),
    ],
)
def test_make_run_gives_every_process_the_address_it_serves(given, site_url, live_url):
    env = dict(given)
    derive_addresses(env)
    assert env["SITE_URL"] == site_url
    if live_url is not None:
        assert env["LIVE_URL"] == live_url


def test_run_serves_the_product_and_stops_cleanly(tmp_path):
    var_dir = tmp_path / "var"
    port, live_port = _free_port(), _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "EMBEDDED_DATABASE",
            "EMBEDDED_REDIS",
            "SECRET_KEY",
            "SITE_URL",
            "LIVE_URL",
        }
    }
    env.update({"VAR_DIR": str(var_dir), "PORT": str(port), "LIVE_PORT": str(live_port), "WORKER_CONCURRENCY": "1"})
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "config.run"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    reader = None
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = supervisor.stdout.readline()
            assert line, "the supervisor exited early:\n" + "".join(output)
            output.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(output)
        # The processes keep writing (the worker's log, the console e-mails of the demo's
        # notifications): read on, or they block on a full pipe.
        reader = threading.Thread(target=lambda: output.extend(supervisor.stdout), daemon=True)
        reader.start()
        assert f"http://127.0.0.1:{port}" in text
        assert demo_email(*CEO[:2]) in text and DEMO_PASSWORD in text

        base = f"http://127.0.0.1:{port}"
        session = _signed_in(base, demo_email(*CEO[:2]))
        response = session.get(f"{base}/", timeout=10)
        assert CEO[0] in response.text

        # The pages open their socket on the live process, which knows the session.
        live_url = f"ws://127.0.0.1:{live_port}/ws/"
        assert f'data-live-url="{live_url}"' in response.text
        assert f"ws://127.0.0.1:{live_port}" in response.headers["Content-Security-Policy"]
        cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
        with websocket_connect(
            live_url, origin=base, additional_headers={"Cookie": cookie}, open_timeout=10
        ) as socket_:
            assert '"type": "hello"' in socket_.recv(timeout=10)
        assert requests.get(f"http://127.0.0.1:{live_port}/", timeout=10).status_code == 404

        deadline = time.monotonic() + 60
        while session.get(f"{base}/healthz", timeout=10).json()["worker"] != "ok":
            assert time.monotonic() < deadline, "the Celery worker never answered"
            time.sleep(1)

        # An invitation, sent by the worker (the console e-mail backend prints it), links to
        # the port the site runs on: without SITE_URL, make run derives it from HOST and PORT.
        admin = _signed_in(base, ADMIN_EMAIL)
        add = f"{base}/admin/accounts/invitation/add/"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', admin.get(add, timeout=10).text).group(1)
        response = admin.post(
            add,
            data={"email": "newcomer@partner.example", "csrfmiddlewaretoken": token},
            headers={"Referer": add},
            timeout=10,
        )
        assert response.status_code == 200 and response.url != add
        deadline = time.monotonic() + 30
        while not re.search(r"https?://\S+/accounts/invitation/\S+/", "".join(output)):
            assert time.monotonic() < deadline, "the invitation e-mail never went out"
            time.sleep(0.5)
        links = re.findall(r"https?://[^/\s]+/accounts/invitation/", "".join(output))
        assert set(links) == {f"{base}/accounts/invitation/"}
        assert _processes_using(var_dir), "the embedded servers should be running"
    finally:
        supervisor.send_signal(signal.SIGINT)
        supervisor.wait(timeout=60)
        if reader is not None:
            reader.join(timeout=10)
        else:
            output.append(supervisor.stdout.read())
    assert supervisor.returncode == 0, "".join(output)
    assert "[run] stopped" in "".join(output)
    time.sleep(1)
    assert _processes_using(var_dir) == []
