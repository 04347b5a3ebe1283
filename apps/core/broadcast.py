"""The one way to send a live event: to a group, after the current transaction commits.

Only services call `broadcast_on_commit`. Nothing else touches the channel layer.
A payload carries its `type`, ids and already-rendered, already-sanitised fields; the
group is one whose every subscriber may see it (`user.<id>`, `community.<id>`, ...).
If Redis is down or hung the event is dropped: the write has already been committed and
pages catch up when they reconnect. A send waits at most REDIS_REQUEST_TIMEOUT for Redis
(the "broadcast" channel layer's socket timeout); the first one that fails opens the Redis
circuit breaker (apps/core/circuit.py), and while it is open events are dropped at once
instead of each request waiting for the timeout.
"""

import asyncio
import hashlib
import logging
import os
import re
import threading

from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from apps.core import circuit

logger = logging.getLogger(__name__)

GROUP_NAME = re.compile(r"^[a-z]+\.[0-9A-Za-z_-]+$")
# A backstop: each Redis reply is awaited REDIS_REQUEST_TIMEOUT at most already.
SEND_TIMEOUT = 2.0
CONCURRENT_SENDS = 50
# The consumer method that forwards an event to its socket.
FORWARD = "event.forward"


def group_name(kind: str, ident) -> str:
    return f"{kind}.{ident}"


# How often a send waiting its turn checks whether another has found Redis hung.
BREAKER_CHECK_SECONDS = 0.05


def _layer_alias() -> str:
    # A configuration without the "broadcast" layer (a test's, say) sends through the sockets' own.
    return settings.BROADCAST_LAYER if settings.BROADCAST_LAYER in settings.CHANNEL_LAYERS else DEFAULT_CHANNEL_LAYER


def _breaker() -> circuit.Breaker:
    host = settings.CHANNEL_LAYERS[_layer_alias()]["CONFIG"]["hosts"][0]
    return circuit.breaker_for(host["address"] if isinstance(host, dict) else host)


async def _send(group: str, message: dict, breaker: circuit.Breaker) -> None:
    """Send, unless Redis is known not to answer. The layer sends one message at a time per
    loop (channels_redis's PUB/SUB layer holds a lock around each publish): sends queued
    behind one that finds Redis hung give up as soon as it has, instead of each then
    waiting for the timeout in turn. (That lock, and the layer's connections kept per event
    loop, are channels_redis's internals, checked against 4.3.0: tests/core/test_private_apis.py.)"""
    if breaker.is_open:
        raise circuit.BreakerOpen
    layer = get_channel_layer(_layer_alias())
    sending = asyncio.ensure_future(layer.group_send(group, message))
    deadline = asyncio.get_running_loop().time() + SEND_TIMEOUT
    try:
        while not sending.done():
            await asyncio.wait([sending], timeout=BREAKER_CHECK_SECONDS)
            if sending.done():
                break
            if breaker.is_open:
                raise circuit.BreakerOpen
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"no answer from the channel layer in {SEND_TIMEOUT} s")
        sending.result()
    except circuit.OUTAGE_ERRORS as error:
        breaker.trip(error, "event")
        raise
    finally:
        sending.cancel()


def _forward(group: str, payload: dict) -> dict:
    # The group travels with the event: a socket drops events of a group it has just left
    # but whose messages were already queued for it.
    return {"type": FORWARD, "group": group, "event": payload}


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
    return _send_message(group, _forward(group, payload))


def _send_message(group: str, message: dict) -> bool:
    breaker = _breaker()
    if not breaker.allows("event"):
        return False
    try:
        future = asyncio.run_coroutine_threadsafe(_send(group, message, breaker), _sender_loop())
        future.result(timeout=SEND_TIMEOUT + 1)
    except (*circuit.OUTAGE_ERRORS, circuit.BreakerOpen) as error:
        breaker.trip(error, "event")  # (if the sender loop itself did not answer)
        logger.info("broadcast to %s dropped: %r", group, error)
        return False
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


def send_many_now(messages: list[tuple[str, dict]]) -> int:
    """Send events to many groups at once (a notification to a thousand people): the sends
    overlap on the sending loop instead of waiting for each other. Returns how many went."""
    breaker = _breaker()
    if not breaker.allows("event"):
        return 0

    async def _all():
        # At most CONCURRENT_SENDS at a time: the layer's connections are a bounded pool.
        gate = asyncio.Semaphore(CONCURRENT_SENDS)

        async def one(group, payload):
            async with gate:
                await _send(group, _forward(group, payload), breaker)

        return await asyncio.gather(*(one(group, payload) for group, payload in messages), return_exceptions=True)

    try:
        future = asyncio.run_coroutine_threadsafe(_all(), _sender_loop())
        results = future.result(timeout=SEND_TIMEOUT * (2 + len(messages) // CONCURRENT_SENDS))
    except circuit.OUTAGE_ERRORS as error:
        breaker.trip(error, "event")  # (if the sender loop itself did not answer)
        logger.info("broadcast to %d groups dropped: %r", len(messages), error)
        return 0
    except Exception as error:  # noqa: BLE001 - a live update must never break a committed write
        logger.warning("broadcast to %d groups dropped: %r", len(messages), error)
        return 0
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:
        # Redis not answering is logged by its breaker, once per outage.
        outage = all(isinstance(r, (*circuit.OUTAGE_ERRORS, circuit.BreakerOpen)) for r in failed)
        (logger.info if outage else logger.warning)(
            "broadcast to %d of %d groups dropped: %r", len(failed), len(messages), failed[0]
        )
    return len(messages) - len(failed)


async def send_from_socket(messages: list[tuple[str, dict]]) -> None:
    """Events that a socket relays at once, stored nowhere (someone is typing): sent from
    the consumer's own loop; one lost is no loss."""
    breaker = _breaker()
    for group, payload in messages:
        if not breaker.allows("event"):
            return
        try:
            await _send(group, _forward(group, payload), breaker)
        except (*circuit.OUTAGE_ERRORS, circuit.BreakerOpen):
            return  # the breaker has logged it
        except Exception as error:  # noqa: BLE001 - a passing signal; the socket carries on
            logger.warning("event to %s dropped: %r", group, error)


def broadcast_many_on_commit(messages: list[tuple[str, dict]]) -> None:
    for group, payload in messages:
        if not GROUP_NAME.match(group) or "type" not in payload:
            raise ValueError(f"not a group name or an event: {group!r}")
    if messages:
        transaction.on_commit(lambda: send_many_now(messages))


# The consumer methods that act on sockets rather than forward an event: close them (a
# deactivated account, a revoked session), check again what they may listen to, follow
# their session to its new key.
CLOSE = "socket.close"
RECHECK = "subscription.recheck"
MOVED = "session.moved"


def session_group(session_key: str) -> str:
    """The group of one browser session's sockets (named by a hash: keys are secrets)."""
    return group_name("session", hashlib.sha256(session_key.encode()).hexdigest()[:40])


def _send_control(group: str, message: dict) -> None:
    """A control message must not be lost to a short outage as an event may: a socket that
    missed "leave this community" would go on hearing it, and a blip too short for the live
    process to take the layer as lost (apps/realtime/layer_watch.py) closes no socket. Not
    sent, it is sent again when Redis answers (longer outages close every socket anyway)."""
    if _send_message(group, message):
        return
    breaker = _breaker()
    if not breaker.when_closed(lambda: _send_control(group, message)):
        # Closed already (a failure that did not open it, or a probe quicker than us): once more.
        _send_message(group, message)


def _control_on_commit(group: str, message: dict) -> None:
    if not GROUP_NAME.match(group):
        raise ValueError(f"not a group name: {group!r}")
    transaction.on_commit(lambda: _send_control(group, message))


def disconnect_on_commit(group: str) -> None:
    """Close every socket subscribed to `group` once the transaction commits."""
    _control_on_commit(group, {"type": CLOSE})


def recheck_subscriptions_on_commit(group: str, *, community_id: int) -> None:
    """Every socket subscribed to `group` checks again, once the transaction commits, whether
    its user may still (or may now) read the community's content, and leaves or joins its
    group accordingly: the membership change or new visibility takes effect at once."""
    _control_on_commit(group, {"type": RECHECK, "community": community_id})


def session_moved_on_commit(previous_key: str, new_key: str) -> None:
    """The sockets of a session whose key changed follow it, once the transaction commits.
    The message names the new key's group, not the key: each socket finds its new key among
    its user's sessions."""
    _control_on_commit(session_group(previous_key), {"type": MOVED, "to": session_group(new_key)})
