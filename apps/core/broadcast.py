"""The one way to send a live event: to a group, after the current transaction commits.

Only services call `broadcast_on_commit`. Nothing else touches the channel layer.
A payload carries its `type`, ids and already-rendered, already-sanitised fields; the
group is one whose every subscriber may see it (`user.<id>`, `community.<id>`, ...).
If Redis is down the event is dropped with a warning: the write has already been
committed and pages catch up when they reconnect.
"""

import asyncio
import logging
import os
import re
import threading

from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

GROUP_NAME = re.compile(r"^[a-z]+\.[0-9A-Za-z_-]+$")
SEND_TIMEOUT = 2.0
# The consumer method that forwards an event to its socket.
FORWARD = "event.forward"


def group_name(kind: str, ident) -> str:
    return f"{kind}.{ident}"


async def _send(group: str, payload: dict) -> None:
    layer = get_channel_layer()
    await asyncio.wait_for(layer.group_send(group, {"type": FORWARD, "event": payload}), SEND_TIMEOUT)


_sender_lock = threading.Lock()
_sender: dict = {}  # {"loop": the sending event loop, "pid": the process that started it}


def _sender_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, in its own thread, for every broadcast: the channel
    layer keeps its Redis connections per loop, so a fresh loop per event (async_to_sync)
    would open a connection per event (about 8 ms each)."""
    with _sender_lock:
        loop = _sender.get("loop")
        if loop is None or _sender.get("pid") != os.getpid() or not _sender["thread"].is_alive():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="broadcast-sender", daemon=True)
            thread.start()
            _sender.update(loop=loop, pid=os.getpid(), thread=thread)
        return loop


def send_now(group: str, payload: dict) -> bool:
    try:
        future = asyncio.run_coroutine_threadsafe(_send(group, payload), _sender_loop())
        future.result(timeout=SEND_TIMEOUT + 1)
    except Exception as error:  # noqa: BLE001 - a live update must never break a committed write
        logger.warning("broadcast to %s dropped: %r", group, error)
        return False
    return True


def broadcast_on_commit(group: str, payload: dict, *, using: str | None = None) -> None:
    if not GROUP_NAME.match(group):
        raise ValueError(f"not a group name: {group!r}")
    if "type" not in payload:
        raise ValueError("an event payload needs a 'type'")
    transaction.on_commit(lambda: send_now(group, payload), using=using)


# The consumer method that closes a socket (a deactivated account, a revoked session).
CLOSE = "socket.close"


def disconnect_on_commit(group: str) -> None:
    """Close every socket subscribed to `group` once the transaction commits."""
    if not GROUP_NAME.match(group):
        raise ValueError(f"not a group name: {group!r}")

    async def _close():
        await asyncio.wait_for(get_channel_layer().group_send(group, {"type": CLOSE}), SEND_TIMEOUT)

    def close():
        try:
            asyncio.run_coroutine_threadsafe(_close(), _sender_loop()).result(timeout=SEND_TIMEOUT + 1)
        except Exception as error:  # noqa: BLE001 - the account change is committed either way
            logger.warning("disconnect of %s dropped: %r", group, error)

    transaction.on_commit(close)
