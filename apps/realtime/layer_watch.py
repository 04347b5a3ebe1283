"""Notices that the channel layer (Redis) is gone, and has the process's sockets
resynchronise once it is back.

While Redis hangs or is down, channels_redis drops every event without a word and the
sockets stay open: a page kept saying "connected" while nothing reached it. Neither layer
repairs what it lost when Redis returns: PUB/SUB ("pubsub") subscribes again but the events
published meanwhile are gone; the lists layer ("redis") keeps group memberships in Redis, so
a Redis restarted empty has forgotten every socket's groups and they never hear a thing again.

So one task per process (per event loop, while it has sockets) sends a heartbeat through the
layer every HEARTBEAT_SECONDS, to a group only it has joined, and expects it back within
ANSWER_SECONDS. An error or no answer: the layer is lost, and every socket is told at once
("layer.lost": the page stops saying "connected"). The first heartbeat answered after that:
every socket open during the loss is closed with CLOSE_RESYNC, which the page answers by
reconnecting at once and catching up, as after any reconnection; reconnecting joins its
groups again, which repairs the memberships a restarted Redis forgot. A socket that connects
while the layer is lost does not touch Redis: it is greeted, told, and closed the same way
once the layer is back (a page therefore learns within a second or two that Redis returned,
instead of after its reconnection backoff).
"""

import asyncio
import contextlib
import logging
import time
import uuid
import weakref

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

# A heartbeat this often while the layer answers; RETRY_SECONDS while it does not (how soon
# the return of Redis is noticed). A loss is noticed within HEARTBEAT_SECONDS + ANSWER_SECONDS.
HEARTBEAT_SECONDS = 2.0
ANSWER_SECONDS = 3.0
RETRY_SECONDS = 1.0
# The page reconnects at once (within a second or two, spread) and catches up (static/js/app.js).
CLOSE_RESYNC = 4000
# Closed RESYNC_BATCH at a time, RESYNC_PAUSE_SECONDS apart (1,000 sockets: 2.5 s): their
# reconnections, each a query and a few subscriptions, do not all land on the process at
# once, and a heartbeat slowed by them is not taken for another loss.
RESYNC_BATCH = 200
RESYNC_PAUSE_SECONDS = 0.5
HEARTBEAT = "layer.heartbeat"


class LayerWatch:
    """The sockets of one event loop and the heartbeat that vouches for their layer."""

    def __init__(self):
        self.sockets: set = set()
        self.task: asyncio.Task | None = None
        self.receiver: asyncio.Task | None = None
        self.channel: str | None = None
        self.group = f"layerwatch.{uuid.uuid4().hex}"
        self.joined = False
        # Monotonic time of the last heartbeat answered; `lost_at` is that time while the
        # layer is lost (the events sent since may be gone), None while it answers.
        self.last_answer = time.monotonic()
        self.lost_at: float | None = None
        self.expected: str | None = None
        self.answered = asyncio.Event()
        self.wake = asyncio.Event()

    @property
    def lost(self) -> bool:
        return self.lost_at is not None

    def lost_for_ms(self) -> int:
        """How long events may have been dropped: since the last heartbeat answered."""
        return round((time.monotonic() - (self.lost_at or time.monotonic())) * 1000)

    async def run(self) -> None:
        # Ends with the last socket: a process without sockets sends no heartbeat. (No await
        # between the last look at `sockets` and the end: `watch` starts another task if needed.)
        while self.sockets:
            try:
                await self._beat_while_open()
            finally:
                await self._stop()

    async def _beat_while_open(self) -> None:
        while self.sockets:
            if await self.round_trip():
                self.last_answer = time.monotonic()
                if self.lost:
                    await self._recovered()
            elif not self.lost:
                await self._lose()
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), RETRY_SECONDS if self.lost else HEARTBEAT_SECONDS)

    async def round_trip(self) -> bool:
        """Whether a heartbeat sent to this watch's group now comes back in time."""
        layer = get_channel_layer()
        token = uuid.uuid4().hex
        self.expected = token
        self.answered.clear()
        try:
            async with asyncio.timeout(ANSWER_SECONDS):
                if self.channel is None:
                    self.channel = await layer.new_channel()
                    self.receiver = asyncio.get_running_loop().create_task(self._receive(layer, self.channel))
                if not self.joined or self.lost:
                    # Again after each failure: a Redis restarted empty forgot this group (the
                    # lists layer keeps memberships there), and then so did every socket.
                    await layer.group_add(self.group, self.channel)
                    self.joined = True
                await layer.group_send(self.group, {"type": HEARTBEAT, "token": token})
                await self.answered.wait()
            return True
        except Exception as error:  # noqa: BLE001 - any failure of the layer is a loss
            if not self.lost:
                logger.warning("channel layer heartbeat failed: %r", error)
            return False

    async def _receive(self, layer, channel: str) -> None:
        # A task of its own: a receive cancelled by a timeout would drop the channel (pubsub).
        # That is channels_redis's behaviour, checked against 4.3.0 (tests/core/test_private_apis.py).
        while True:
            try:
                message = await layer.receive(channel)
            except Exception:  # noqa: BLE001 - the lists layer's blocking read fails while Redis is down
                self.suspect()
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if message.get("type") == HEARTBEAT and message.get("token") == self.expected:
                self.answered.set()

    def suspect(self) -> None:
        """Something failed on the layer: the heartbeat checks it now rather than later."""
        self.wake.set()

    async def _lose(self) -> None:
        self.lost_at = self.last_answer
        logger.warning("channel layer lost: telling %d sockets; they resynchronise once it is back", len(self.sockets))
        since = self.lost_for_ms()
        for socket in list(self.sockets):
            await socket.layer_lost(since)

    async def _recovered(self) -> None:
        down = time.monotonic() - self.lost_at
        self.lost_at = None
        deaf = [socket for socket in list(self.sockets) if socket.layer_deaf]
        logger.warning("channel layer back after %.1f s: %d sockets resynchronise", down, len(deaf))
        for start in range(0, len(deaf), RESYNC_BATCH):
            if start:
                await asyncio.sleep(RESYNC_PAUSE_SECONDS)
            for socket in deaf[start : start + RESYNC_BATCH]:
                self.sockets.discard(socket)
                await socket.resync()

    async def _stop(self) -> None:
        receiver, channel, joined = self.receiver, self.channel, self.joined
        self.receiver, self.channel, self.joined = None, None, False
        if receiver is not None:
            receiver.cancel()
        if joined and not self.lost:
            # A group nobody sends to: left if Redis answers, otherwise it expires there.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(get_channel_layer().group_discard(self.group, channel), ANSWER_SECONDS)


_by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LayerWatch]" = weakref.WeakKeyDictionary()


def current() -> LayerWatch:
    """This event loop's watch (one per process in the live and web processes)."""
    loop = asyncio.get_running_loop()
    watch = _by_loop.get(loop)
    if watch is None:
        watch = _by_loop[loop] = LayerWatch()
    return watch


def watch(socket) -> LayerWatch:
    """Vouch for this socket's layer from now on (it has `layer_deaf`, `layer_lost(ms)` and
    `resync()`). Returns the watch, which says whether the layer is lost now."""
    current_watch = current()
    current_watch.sockets.add(socket)
    if current_watch.task is None or current_watch.task.done():
        current_watch.task = asyncio.get_running_loop().create_task(current_watch.run())
    return current_watch


def unwatch(socket) -> None:
    current_watch = _by_loop.get(asyncio.get_running_loop())
    if current_watch is not None:
        current_watch.sockets.discard(socket)
