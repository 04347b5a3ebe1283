"""Sockets whose session has ended without anyone closing them (it expired, a page or an
admin deleted it, its password hash no longer matches) close within a minute.

The paths that end sessions on purpose close their sockets at once (signing out,
apps/accounts/session_end.py). This catches every other way: one task per process (per
event loop) reads, every LIVE_SESSION_CHECK_SECONDS (30), the sessions of all its open sockets, two queries
per 250 sockets, rather than a timer per socket, which would cost each idle socket the
memory of a task (make bench measures the live process's: 1,000 idle sockets, 120 MB at
most). A socket found signed out is checked once more a moment later before it is closed:
its session may just have changed its key (a password change keeping the current session),
which its sockets follow (RealtimeConsumer.session_moved)."""

import asyncio
import logging
import weakref

from channels.db import database_sync_to_async
from django.conf import settings

from apps.realtime.selectors import sessions_signed_out

logger = logging.getLogger(__name__)

# A socket found signed out closes after this second look (seconds): at most
# LIVE_SESSION_CHECK_SECONDS plus this after its session ended.
CONFIRM_SECONDS = 2.0


class _OpenSockets:
    """The signed-in sockets of one event loop, and the task that checks them."""

    def __init__(self):
        self.sockets: set = set()
        self.task: asyncio.Task | None = None


_by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _OpenSockets]" = weakref.WeakKeyDictionary()


def _open_sockets() -> _OpenSockets:
    loop = asyncio.get_running_loop()
    registry = _by_loop.get(loop)
    if registry is None:
        registry = _by_loop[loop] = _OpenSockets()
    return registry


def check_seconds() -> float:
    # Read at each round: the tests shorten it.
    return settings.LIVE_SESSION_CHECK_SECONDS


def watch(socket) -> None:
    """Check this socket's session from now on (its scope has `user` and `session_key`)."""
    registry = _open_sockets()
    registry.sockets.add(socket)
    if registry.task is None or registry.task.done():
        registry.task = asyncio.get_running_loop().create_task(_check_while_open(registry))


def unwatch(socket) -> None:
    registry = _by_loop.get(asyncio.get_running_loop())
    if registry is not None:
        registry.sockets.discard(socket)


async def _check_while_open(registry: _OpenSockets) -> None:
    # Ends with the last socket: a process without sockets runs no timer.
    while registry.sockets:
        await asyncio.sleep(check_seconds())
        try:
            await check_now(registry.sockets)
        except Exception:  # a database outage: the next round tries again
            logger.exception("checking the sockets' sessions failed")


def _snapshot(sockets) -> list[tuple]:
    return [(socket, socket.scope.get("session_key"), socket.scope["user"].pk) for socket in list(sockets)]


async def check_now(sockets: set) -> int:
    """Close the sockets among `sockets` whose session no longer signs their user in.
    Returns how many were closed."""
    candidates = await _stale(_snapshot(sockets))
    if not candidates:
        return 0
    await asyncio.sleep(min(CONFIRM_SECONDS, check_seconds()))
    confirmed = await _stale(_snapshot(socket for socket, _key, _user in candidates if socket in sockets))
    for socket, _key, _user_id in confirmed:
        sockets.discard(socket)
        await socket.close_signed_out()
    return len(confirmed)


async def _stale(snapshot: list[tuple]) -> list[tuple]:
    if not snapshot:
        return []
    stale = await database_sync_to_async(sessions_signed_out)([(key, user_id) for _, key, user_id in snapshot])
    return [
        (socket, key, user_id)
        for socket, key, user_id in snapshot
        # Unless its key changed meanwhile (it followed its session to a new one).
        if (key, user_id) in stale and socket.scope.get("session_key") == key
    ]
