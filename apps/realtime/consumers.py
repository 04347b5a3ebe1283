"""The one WebSocket endpoint (/ws/): every open tab keeps one."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.realtime.selectors import session_group, subscription_groups

# WebSocket close code for "policy violation": no active signed-in user.
CLOSE_UNAUTHENTICATED = 4401


class RealtimeConsumer(AsyncJsonWebsocketConsumer):
    groups: list[str] = []

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            # Accepted, then closed with our code: the page sees 4401 and stops retrying
            # (a refusal before accepting reaches the browser as a bare 1006).
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.subscribed = await database_sync_to_async(subscription_groups)(user=user)
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_key:
            # Signing out in one tab closes the sockets of every tab of that session.
            self.subscribed.append(session_group(session_key))
        for group in self.subscribed:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello"})

    async def disconnect(self, code):
        for group in getattr(self, "subscribed", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # The page only listens; a ping keeps proxies from closing an idle socket.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def event_forward(self, message):
        await self.send_json(message["event"])

    async def socket_close(self, message):
        await self.close(code=CLOSE_UNAUTHENTICATED)
