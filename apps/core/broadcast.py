"""The one way to send a live event: to a group, after the current transaction commits.

Only services call `broadcast_on_commit`. Nothing else touches the channel layer.
A payload carries its `type`, ids and already-rendered, already-sanitised fields; the
group is one whose every subscriber may see it (`user.<id>`, `community.<id>`, ...).
If Redis is down the event is dropped with a warning: the write has already been
committed and pages catch up when they reconnect.
"""

import asyncio
import logging
import re

from asgiref.sync import async_to_sync
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


def send_now(group: str, payload: dict) -> bool:
    try:
        async_to_sync(_send)(group, payload)
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
            async_to_sync(_close)()
        except Exception as error:  # noqa: BLE001 - the account change is committed either way
            logger.warning("disconnect of %s dropped: %r", group, error)

    transaction.on_commit(close)
