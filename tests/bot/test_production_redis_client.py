"""The production Redis client (`create_redis`): hiredis parses the replies, and the pool is
bounded by REDIS_MAX_CONNECTIONS and waits (`storage.pool.BoundedPool`)."""

from __future__ import annotations

from redis._parsers import _AsyncHiredisParser

from bot.config import Settings
from bot.wiring import create_redis
from storage.pool import BoundedPool


async def test_the_client_parses_with_hiredis_on_a_bounded_waiting_pool(redis_url):
    client = create_redis(Settings(redis_url=redis_url, redis_max_connections=7))
    try:
        pool = client.connection_pool
        assert isinstance(pool, BoundedPool)
        assert pool.max_connections == 7 and pool.timeout == 10
        assert await client.ping()
        connection = await pool.get_connection()
        assert isinstance(connection._parser, _AsyncHiredisParser)
        await pool.release(connection)
    finally:
        await client.aclose()
