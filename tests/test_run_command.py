"""`make run`'s addresses, and the helpers of the end-to-end tests of `make run` (those
are in tests/test_supervisor.py, which starts one real run and kills its pieces)."""

import re
from pathlib import Path

import psutil
import pytest
import requests

from apps.demo.organisation_data import DEMO_PASSWORD
from config.run import derive_addresses

BASE_DIR = Path(__file__).resolve().parent.parent


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
