"""The Redis channel layer, with a connection pool that waits instead of failing.

redis-py's asyncio pool allows 100 connections and raises "Too many connections" on the
101st. A reconnect storm (hundreds of sockets subscribing at once after a worker restart)
reached that, and every socket over the limit failed to connect. This pool makes a
request wait for a free connection (up to `pool_timeout` seconds) instead.
"""

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer
from redis.asyncio import BlockingConnectionPool


class RedisChannelLayer(BaseRedisChannelLayer):
    def __init__(self, *args, pool_size: int = 100, pool_timeout: float = 20, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool_size = pool_size
        self.pool_timeout = pool_timeout

    def create_pool(self, index: int) -> BlockingConnectionPool:
        host = dict(self.hosts[index])
        return BlockingConnectionPool.from_url(
            host.pop("address"),
            max_connections=self.pool_size,
            timeout=self.pool_timeout,
            **host,
        )
