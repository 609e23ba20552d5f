"""Django's Redis cache with one Redis client per connection pool, instead of a new client for every call.

``django.core.cache.backends.redis.RedisCacheClient`` builds a ``redis.Redis`` for each cache operation, and a
``redis.Redis`` fills its table of several hundred response callbacks when it is built: about a tenth of a
millisecond of CPU, two or three times on every page (the session, the header's counters). A client is safe to
share between threads and holds no connection of its own (its pool does), so one per pool is enough.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
