"""The one WebSocket endpoint (/ws/): every open tab keeps one."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.realtime.selectors import community_group, may_follow_community, session_group, subscription_groups

# WebSocket close code for "policy violation": no active signed-in user.
CLOSE_UNAUTHENTICATED = 4401


def _hello(user) -> dict:
    from apps.notifications.selectors import unread_count

    return {"type": "hello", "unread": unread_count(viewer=user)}


class RealtimeConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.subscribed: set[str] = set()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            # Accepted, then closed with our code: the page sees 4401 and stops retrying
            # (a refusal before accepting reaches the browser as a bare 1006).
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        groups = await database_sync_to_async(subscription_groups)(user=user)
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_key:
            # Signing out in one tab closes the sockets of every tab of that session.
            groups.append(session_group(session_key))
        for group in groups:
            await self._join(group)
        await self.accept()
        # The unread count comes with the greeting, at every (re)connection: the bell is
        # right after a disconnect without any page asking for it.
        await self.send_json(await database_sync_to_async(_hello)(user))

    async def _join(self, group: str) -> None:
        self.subscribed.add(group)
        await self.channel_layer.group_add(group, self.channel_name)

    async def _leave(self, group: str) -> None:
        self.subscribed.discard(group)
        await self.channel_layer.group_discard(group, self.channel_name)

    async def disconnect(self, code):
        for group in list(getattr(self, "subscribed", ())):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # The page only listens; a ping keeps proxies from closing an idle socket.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def event_forward(self, message):
        # An event of a group this socket has left, already queued for it, is not delivered.
        group = message.get("group")
        if group is None or group in self.subscribed:
            await self.send_json(message["event"])

    async def subscription_recheck(self, message):
        community_id = message["community"]
        user = self.scope["user"]
        allowed = await database_sync_to_async(may_follow_community)(user_id=user.pk, community_id=community_id)
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
