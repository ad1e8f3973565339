"""Django's Redis cache backend, keeping one client per connection pool.

Django's client builds a new `redis.Redis` object on every cache call; with redis-py 8 that
construction costs about as much as the round trip itself. The client is thread-safe (all state
is in the pool), so one per pool is enough.
"""

from django.core.cache.backends import redis as django_redis


class _RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _RedisCacheClient
