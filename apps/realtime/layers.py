"""The channel layer as deployed: channels_redis's, with a connection pool that waits for a
free connection rather than failing when all are in use. redis-py's default pool raises
MaxConnectionsError at once past its cap: a thousand sockets closing together (a restart)
or a notification to a thousand people lost most of their Redis commands (make bench)."""

from channels_redis.core import RedisChannelLayer
from redis import asyncio as aioredis

MAX_CONNECTIONS = 100
WAIT_SECONDS = 30


class BlockingPoolChannelLayer(RedisChannelLayer):
    # Replaces an undocumented method: the layer makes each host's pool with create_pool(index)
    # from self.hosts (dicts with an "address"). Checked against channels_redis 4.3.0 and
    # redis 8.1.0; tests/core/test_private_apis.py says when an upgrade changes it.
    def create_pool(self, index):
        host = dict(self.hosts[index])
        address = host.pop("address")
        return aioredis.BlockingConnectionPool.from_url(
            address, max_connections=MAX_CONNECTIONS, timeout=WAIT_SECONDS, **host
        )
