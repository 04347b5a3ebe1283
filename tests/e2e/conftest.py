"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live_server,
or, for the live updates (the /ws/ WebSocket), against the ASGI application (asgi_live_server)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.servers import uvicorn_thread

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
SCREENSHOT_DIR = REPO_ROOT / "test-results" / "e2e"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine has no internet: background requests would only fail noisily.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EXPECT_TIMEOUT_MS = 5_000


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item (rep_setup, rep_call, rep_teardown) so that
    # the page fixture's teardown knows whether the test body failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _install_chromium():
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "chromium"], env=env, check=False)


@pytest.fixture(scope="session")
def chromium_path():
    if not CHROMIUM.exists():
        _install_chromium()
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing and could not be installed: as root, run "
            "`apt-get update && apt-get install -y chromium` (Playwright cannot download browsers here).",
            pytrace=False,
        )
    return str(CHROMIUM)


# Playwright and its browser live as long as the tests of this folder: one browser for the
# whole e2e run. They are "package" rather than "session" scoped because Playwright's sync API
# keeps an asyncio event loop running in the test thread until it stops; if it outlived this
# folder, `make test` would fail every async test collected after it (tests/realtime:
# "Runner.run() cannot be called from a running event loop").
@pytest.fixture(scope="package")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    # While that loop runs, Django's ORM sees an event loop in this thread and raises
    # SynchronousOnlyOperation for the plain blocking calls of fixtures and tests (factories,
    # the user fixture, database flushes). Allowed here only, and restored afterwards, so that
    # async tests elsewhere in the same run keep Django's guard.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(playwright_instance, chromium_path):
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    browser = playwright_instance.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(request, browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    context.set_default_navigation_timeout(10_000)
    page = context.new_page()
    yield page
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', request.node.name)}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"\nscreenshot saved: {path.relative_to(REPO_ROOT)}")
        except Exception as error:  # noqa: BLE001 - a failed screenshot must not hide the test failure
            print(f"\nscreenshot failed: {error}")
    context.close()


class AsgiLiveServer:
    """What asgi_live_server gives: the address of the ASGI application (pages and /ws/)."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.url = f"http://{host}:{port}"

    def __str__(self):
        return self.url


@pytest.fixture
def asgi_live_server(transactional_db):
    """The real ASGI application (config.asgi: Django's pages and the /ws/ WebSocket) served
    by uvicorn, as in production, in a thread of the test process, on a free loopback port,
    against the test database. pytest-django's live_server (WSGI) cannot upgrade /ws/.

    Static files are served as live_server serves them (Django's static files handler,
    wrapped around the HTTP side only), so that config/asgi.py stays as production runs it.
    Close the browser contexts that use it before it stops (depend on this fixture): open
    sockets would hold its shutdown back."""
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from config.asgi import application

    with uvicorn_thread(ASGIStaticFilesHandler(application), "asgi-live-server") as (host, port, _server):
        yield AsgiLiveServer(host, port)


@pytest.fixture
def live_process(transactional_db):
    """The live process (config.asgi_live: the /ws/ socket alone) on a port of its own, as
    `make run` starts it: its ws:// address. The pages reach it once LIVE_URL names it."""
    from config.asgi_live import application

    with uvicorn_thread(application, "live-process") as (host, port, _server):
        yield f"ws://{host}:{port}/ws/"
