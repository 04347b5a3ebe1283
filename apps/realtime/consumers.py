"""The one WebSocket endpoint (/ws/): every open tab keeps one."""

import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.core.broadcast import FORWARD, group_name, send_from_socket
from apps.messaging.events import typing_now
from apps.messaging.selectors import typing_recipients
from apps.realtime import session_check
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
# A socket relays "typing" for one conversation at most this often (seconds).
TYPING_INTERVAL = 2.0


class RealtimeConsumer(AsyncJsonWebsocketConsumer):
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
        await self.accept()
        # The unread count comes with the greeting, at every (re)connection: the bell is
        # right after a disconnect without any page asking for it.
        await self.send_json(hello)
        # Closed within a minute if its session ends without anyone closing it (it expires).
        session_check.watch(self)

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
        for group in list(getattr(self, "subscribed", ())):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        # A ping keeps proxies from closing an idle socket.
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})
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
