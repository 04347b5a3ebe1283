"""The one WebSocket endpoint (/ws/): every open tab keeps one."""

import asyncio
import contextlib
import logging
import time

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch

from apps.core.broadcast import FORWARD, group_name, send_from_socket
from apps.messaging.events import typing_now
from apps.messaging.selectors import typing_recipients
from apps.realtime import layer_watch, session_check
from apps.realtime.selectors import (
    PAGE_FOLLOWS,
    community_group,
    connection_state,
    follow_state,
    open_communities,
    session_group,
    session_key_in_group,
)

# WebSocket close code for "policy violation": no active signed-in user.
CLOSE_UNAUTHENTICATED = 4401
# WebSocket close code for "internal error": the channel layer failed while this socket
# joined its groups; the page retries with its backoff.
CLOSE_LAYER_FAILED = 1011
# A socket relays "typing" for one conversation at most this often (seconds).
TYPING_INTERVAL = 2.0
# Joining its groups takes this long at most (seconds; a hung Redis would hold a connection
# for the layer's 10-second socket timeout, and more with its retries); leaving them too.
JOIN_SECONDS = 5.0
LEAVE_SECONDS = 2.0

logger = logging.getLogger(__name__)


class RealtimeConsumer(AsyncJsonWebsocketConsumer):
    # Set while the channel layer is lost (apps/realtime/layer_watch.py): the events of its
    # groups may have been dropped; it is closed with CLOSE_RESYNC once the layer is back.
    layer_deaf = False
    accepted = False
    resync_due = False

    async def __call__(self, scope, receive, send):
        """As AsyncConsumer's, except that a failing channel layer does not end the socket
        with an error: without a channel (the pubsub layer subscribes to it here) `connect`
        decides (greeted deaf if the layer is known lost, else closed for the page to retry),
        and a failed receive (the lists layer's, while Redis is down) is retried. It repeats
        channels' AsyncConsumer.__call__, checked against channels 4.3.2
        (tests/realtime/test_private_apis.py)."""
        self.scope = scope
        self.base_send = send
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = None
        try:
            self.channel_name = await asyncio.wait_for(self.channel_layer.new_channel(), JOIN_SECONDS)
        except Exception as error:  # noqa: BLE001 - Redis down: the pubsub layer subscribes here
            logger.warning("no channel for a socket: %r", error)
        sources = [receive] if self.channel_name is None else [receive, self._channel_receive]
        with contextlib.suppress(StopConsumer):
            await await_many_dispatch(sources, self.dispatch)

    async def _channel_receive(self):
        while True:
            try:
                return await self.channel_layer.receive(self.channel_name)
            except Exception:  # noqa: BLE001 - the lists layer's read fails while Redis is down
                layer_watch.current().suspect()
                await asyncio.sleep(layer_watch.RETRY_SECONDS)

    async def connect(self):
        self.subscribed: set[str] = set()
        # Communities followed for the page this socket serves, not for a membership; and
        # whether it is the company feed (every public community's posts).
        self.page_follows: set[int] = set()
        self.follows_open = False
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            # Accepted, then closed with our code: the page sees 4401 and stops retrying
            # (a refusal before accepting reaches the browser as a bare 1006).
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        # Watched from the start: a loss noticed while it joins makes it deaf too.
        watch = layer_watch.watch(self)
        if watch.lost:
            # Redis is not touched: the socket is greeted, told, and resynchronised later.
            self.layer_deaf = True
            _groups, hello = await database_sync_to_async(connection_state)(user=user)
        else:
            try:
                if self.channel_name is None:
                    raise RuntimeError("no channel")
                hello = await asyncio.wait_for(self._join_all(user), JOIN_SECONDS)
            except Exception as error:  # noqa: BLE001 - the layer failed: the page retries
                logger.warning("a socket could not join its groups: %r", error)
                layer_watch.unwatch(self)
                watch.suspect()
                await self.accept()
                await self.close(code=CLOSE_LAYER_FAILED)
                return
        await self.accept()
        self.accepted = True
        if self.layer_deaf:
            # Before the greeting: the page does not say "connected" (static/js/app.js).
            await self._tell_lost(watch.lost_for_ms())
        # The unread count comes with the greeting, at every (re)connection: the bell is
        # right after a disconnect without any page asking for it.
        await self.send_json(hello)
        if self.resync_due:
            await self.resync()
            return
        # Closed within a minute if its session ends without anyone closing it (it expires).
        session_check.watch(self)

    async def _join_all(self, user) -> dict:
        """Joins the user's groups; returns their greeting."""
        # Their own group first: a membership change committed while the groups below are
        # read sends its recheck there, handled once this connection is set up.
        await self._join(group_name("user", user.pk))
        groups, hello = await database_sync_to_async(connection_state)(user=user)
        session_key = self.scope.get("session_key")
        if session_key:
            # Signing out in one tab closes the sockets of every tab of that session.
            groups.append(session_group(session_key))
        for group in groups:
            if group not in self.subscribed:
                await self._join(group)
        return hello

    async def layer_lost(self, since_ms: int) -> None:
        """The channel layer is lost (layer_watch): the page is told at once."""
        if self.layer_deaf:
            return
        self.layer_deaf = True
        if self.accepted:
            await self._tell_lost(since_ms)

    async def _tell_lost(self, since_ms: int) -> None:
        with contextlib.suppress(Exception):  # closed meanwhile
            await self.send_json({"type": "layer.lost", "since": since_ms})

    async def resync(self) -> None:
        """The layer is back: the page reconnects (joining its groups afresh) and catches up."""
        if not self.accepted:
            self.resync_due = True  # closed once greeted (connect): a refusal would be a bare 1006
            return
        with contextlib.suppress(Exception):  # closed meanwhile
            await self.close(code=layer_watch.CLOSE_RESYNC)

    async def dispatch(self, message):
        # An event only goes out to the browser: Channels' default dispatch first hops to the
        # database thread to close old connections, for every event to every socket (nine
        # tenths of a fan-out's time in make bench).
        if message["type"] == FORWARD:
            await self.event_forward(message)
            return
        await super().dispatch(message)

    async def _join(self, group: str) -> None:
        self.subscribed.add(group)
        await self.channel_layer.group_add(group, self.channel_name)

    async def _leave(self, group: str) -> None:
        self.subscribed.discard(group)
        await self.channel_layer.group_discard(group, self.channel_name)

    async def disconnect(self, code):
        session_check.unwatch(self)
        layer_watch.unwatch(self)
        groups = list(getattr(self, "subscribed", ()))
        if not groups:
            return
        # All at once, and not for long: Redis may hang (each starts by forgetting the socket
        # in this process, which is what matters to the pubsub layer).
        leaving = [self.channel_layer.group_discard(group, self.channel_name) for group in groups]
        try:
            await asyncio.wait_for(asyncio.gather(*leaving), LEAVE_SECONDS)
        except Exception as error:  # noqa: BLE001 - Redis down: the memberships expire there
            logger.info("a closed socket could not leave its groups: %r", error)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        # A ping keeps proxies from closing an idle socket.
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        # A deaf socket (the layer is lost) asks nothing of Redis: it will reconnect.
        elif self.layer_deaf:
            return
        # The page shows a community: its events too, if its content is the user's to read.
        elif content.get("type") == "follow" and isinstance(content.get("community"), int):
            await self._follow_page(content["community"])
        elif content.get("type") == "follow" and content.get("open") is True and not self.follows_open:
            await self._follow_open()
        elif content.get("type") == "typing" and isinstance(content.get("conversation"), int):
            await self._typing(content["conversation"])

    async def _typing(self, conversation_id: int) -> None:
        """Tell the conversation's other participants, if this user takes part in it now."""
        now = time.monotonic()
        last = getattr(self, "typing_at", {})
        if now - last.get(conversation_id, -TYPING_INTERVAL) < TYPING_INTERVAL:
            return
        self.typing_at = {**{k: v for k, v in last.items() if now - v < TYPING_INTERVAL}, conversation_id: now}
        user = self.scope["user"]
        name, recipients = await database_sync_to_async(typing_recipients)(
            user_id=user.pk, conversation_id=conversation_id
        )
        if recipients:
            await send_from_socket(
                typing_now(conversation_id=conversation_id, user_id=user.pk, name=name, recipients=recipients)
            )

    async def _follow_page(self, community_id: int) -> None:
        if community_id in self.page_follows or len(self.page_follows) >= PAGE_FOLLOWS:
            return
        self.page_follows.add(community_id)
        await self._recheck(community_id)

    async def _follow_open(self) -> None:
        self.follows_open = True
        communities = await database_sync_to_async(open_communities)(user=self.scope["user"])
        for community_id in communities:
            group = community_group(community_id)
            if group not in self.subscribed:
                await self._join(group)

    async def event_forward(self, message):
        # An event of a group this socket has left, already queued for it, is not delivered.
        group = message.get("group")
        if group is None or group in self.subscribed:
            await self.send_json(message["event"])

    async def subscription_recheck(self, message):
        await self._recheck(message["community"])

    async def _recheck(self, community_id: int) -> None:
        user = self.scope["user"]
        readable, member, public = await database_sync_to_async(follow_state)(
            user_id=user.pk, community_id=community_id
        )
        allowed = readable and (member or community_id in self.page_follows or (public and self.follows_open))
        group = community_group(community_id)
        if allowed == (group in self.subscribed):
            return
        if allowed:
            await self._join(group)
        else:
            await self._leave(group)
        # The page learns it (a feed it shows may have gained or lost its live updates, and
        # what was posted between the change and this moment is fetched by catching up).
        await self.send_json({"type": "subscription.changed", "community": community_id, "following": allowed})

    async def socket_close(self, message):
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def close_signed_out(self) -> None:
        """Its session no longer signs its user in (session_check): as signing out would."""
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def session_moved(self, message):
        """Its session changed its key (and kept its user): the socket follows, so that
        signing out, or ending the session, still closes it."""
        session_key, new_group = self.scope.get("session_key"), message.get("to")
        if not session_key or not isinstance(new_group, str) or session_group(session_key) not in self.subscribed:
            return
        new_key = await database_sync_to_async(session_key_in_group)(user_id=self.scope["user"].pk, group=new_group)
        if new_key is None:
            return  # gone already: the session check closes the socket
        self.scope["session_key"] = new_key
        await self._join(new_group)
        await self._leave(session_group(session_key))
