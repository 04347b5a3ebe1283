"""Under ASGI the whole middleware chain runs in one worker thread (config/middleware.py):
a page enters worker threads a handful of times, not once per middleware method."""

import pytest
from asgiref import sync
from asgiref.testing import ApplicationCommunicator
from django.core.handlers.asgi import ASGIHandler
from django.test import override_settings

pytestmark = pytest.mark.django_db(transaction=True)


async def hops_for(path: str, monkeypatch) -> tuple[int, int]:
    calls = []
    original = sync.SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        calls.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    # Django's own ASGI handler, as uvicorn runs it (one thread context per request).
    application = ApplicationCommunicator(ASGIHandler(), scope)
    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted)
    await application.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await application.receive_output(10)
    await application.receive_output(10)
    monkeypatch.undo()
    return start["status"], len(calls)


async def test_a_page_enters_worker_threads_a_few_times_not_once_per_middleware(monkeypatch, settings):
    status, hops = await hops_for("/accounts/login/", monkeypatch)
    assert status == 200
    # request_started, the middleware chain, CSRF's and LoginRequired's process_view, the
    # view, rendering its TemplateResponse, closing the response (request_finished).
    assert hops <= 7, hops


async def test_without_the_sync_chain_the_same_page_takes_four_times_as_many(monkeypatch, settings):
    """What the test above guards against (so that it cannot pass by accident)."""
    without = [name for name in settings.MIDDLEWARE if name != "config.middleware.SyncMiddlewareChain"]
    with override_settings(MIDDLEWARE=without):
        status, hops = await hops_for("/accounts/login/", monkeypatch)
    assert status == 200
    assert hops > 15, hops
