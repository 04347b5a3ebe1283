"""config.websocket_protocol: uvicorn's WebSocket protocol keeping less of each socket."""

import asyncio
import json

import pytest
from websockets.asyncio.client import connect as websocket_connect

from config.websocket_protocol import LeanWebSocketProtocol, SingleReaderQueue
from tests.factories import UserFactory
from tests.realtime.sockets import ORIGIN, session_cookie
from tests.servers import uvicorn_thread


async def test_the_queue_hands_items_over_in_order_and_waits_for_the_next():
    queue = SingleReaderQueue()
    assert queue.empty()
    queue.put_nowait(1)
    queue.put_nowait(2)
    assert not queue.empty()
    assert [await queue.get(), await queue.get()] == [1, 2]
    assert queue.empty()
    reader = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not reader.done()
    queue.put_nowait(3)
    assert await asyncio.wait_for(reader, 1) == 3


async def test_a_reader_cancelled_while_an_item_arrives_leaves_it_for_the_next():
    queue = SingleReaderQueue()
    reader = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait("kept")
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert await asyncio.wait_for(queue.get(), 1) == "kept"


@pytest.mark.django_db(transaction=True)
def test_a_real_socket_works_and_forgets_its_handshake():
    from config.asgi_live import application

    user = UserFactory()
    cookie = session_cookie(user).decode()

    async def talk(url, server):
        async with websocket_connect(url, origin=ORIGIN.decode(), additional_headers={"Cookie": cookie}) as socket_:
            hello = json.loads(await asyncio.wait_for(socket_.recv(), 5))
            await socket_.send(json.dumps({"type": "ping"}))
            pong = json.loads(await asyncio.wait_for(socket_.recv(), 5))
            # The server's open connections: this socket's protocol, past its handshake.
            protocols = [(type(each), vars(each).copy()) for each in server.server_state.connections]
            return hello["type"], pong, protocols

    with uvicorn_thread(application, "lean-protocol") as (host, port, server):
        hello, pong, protocols = asyncio.run(talk(f"ws://{host}:{port}/ws/", server))
    assert (hello, pong) == ("hello", {"type": "pong"})
    [(kind, state)] = protocols
    assert kind is LeanWebSocketProtocol and state["handshake_complete"]
    assert state["request"] is None and state["response"] is None
    assert isinstance(state["queue"], SingleReaderQueue)


@pytest.mark.django_db(transaction=True)
def test_the_live_process_refuses_a_frame_larger_than_a_page_ever_sends():
    """As make run starts it: a 1 MB frame closes the socket (1009) instead of being read
    into memory and parsed on the loop every socket shares."""
    from websockets.exceptions import ConnectionClosed

    from tests.faults.stack import app_process, dedicated_redis

    user = UserFactory()
    cookie = session_cookie(user).decode()

    async def talk(url, origin):
        async with websocket_connect(url, origin=origin, additional_headers={"Cookie": cookie}) as socket_:
            assert json.loads(await asyncio.wait_for(socket_.recv(), 5))["type"] == "hello"
            with pytest.raises(ConnectionClosed) as closed:
                # The server may close before the client has sent the whole frame: then the send fails.
                await socket_.send(json.dumps({"type": "ping", "padding": "x" * 1_000_000}))
                await asyncio.wait_for(socket_.recv(), 5)
            return closed.value.rcvd.code

    with dedicated_redis() as redis_server, app_process("live", redis_server.url) as live:
        assert asyncio.run(talk(f"ws://127.0.0.1:{live.port}/ws/", live.env["SITE_URL"])) == 1009
