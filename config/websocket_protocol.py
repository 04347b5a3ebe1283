"""uvicorn's WebSocket protocol (websockets-sansio), holding less for each idle socket.

uvicorn runs it by `--ws config.websocket_protocol:LeanWebSocketProtocol` (config/run.py's
UVICORN_OPTIONS, the Dockerfile, docker-compose). Once the handshake is answered it lets go
of the handshake's request and response (their parsed headers), and its inbound queue
allocates nothing until a message arrives: together 4.6 KB of an idle socket (make bench:
the live process's memory with 1,000 sockets, 32.6 KB a socket before, 28 after)."""

import asyncio

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class SingleReaderQueue:
    """What the protocol asks of its asyncio.Queue (put_nowait, get, empty), for its one
    reader: the application's receive(). An asyncio.Queue makes three deques and an Event
    for every socket up front, about 2.5 KB; the protocol stops reading from the network
    while a message waits here, so the list stays a few items long."""

    __slots__ = ("_items", "_waiter")

    def __init__(self):
        self._items: list = []
        self._waiter: asyncio.Future | None = None

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item) -> None:
        self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self):
        # An item is taken only once its reader runs again: a reader cancelled meanwhile
        # leaves it for the next get().
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """Relies on the protocol's internals (its `queue`, asked only put_nowait / get / empty;
    `handshake_complete`; `request` and `response`, read only until the handshake is
    answered). Checked against uvicorn 0.54.0 (websockets 17.4); tests/core/test_private_apis.py
    says when an upgrade changes them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queue = SingleReaderQueue()

    async def send(self, message) -> None:
        await super().send(message)
        if self.handshake_complete:
            # Read only while the handshake is answered (the app's scope has its headers).
            self.request = self.response = None
