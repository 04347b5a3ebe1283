"""Under ASGI the whole middleware chain runs in one worker thread (config/middleware.py):
a page enters worker threads a handful of times, not once per middleware method."""

import pytest
from asgiref import sync
from django.test import AsyncClient, override_settings

pytestmark = pytest.mark.django_db(transaction=True)


async def hops_for(path: str, monkeypatch) -> tuple[int, int]:
    calls = []
    original = sync.SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        calls.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted)
    response = await AsyncClient().get(path)
    monkeypatch.undo()
    return response.status_code, len(calls)


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
