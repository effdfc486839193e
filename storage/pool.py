"""The Redis connection pool of every process: bounded like redis-py's `BlockingConnectionPool`
(a caller finding every connection in use waits for one, up to a timeout), without its cost on
the common path, where a connection is free.

redis-py's pools take an `asyncio.Lock` (the blocking one an `asyncio.Condition` too) on every
command, twice, and await five observability hooks; with one event loop a free connection can
be taken and given back without any of them. What this pool leaves out: redis-py's OpenTelemetry
connection metrics, its after-release event (whose only listener re-authenticates connections
for a streaming credential provider, which a `REDIS_URL` password is not) and the maintenance
notifications' lock (Redis Enterprise moving a shard, not sent by a plain Redis).

Its connections pack commands with hiredis (in C) instead of redis-py's asyncio client's
Python packer, byte for byte the same: the packing was a tenth of a delivery worker's CPU.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from redis.asyncio import ConnectionPool
from redis.asyncio.connection import AbstractConnection
from redis.connection import HiredisRespSerializer
from redis.exceptions import ConnectionError as ConnectionLost
from redis.exceptions import TimeoutError as WriteTimeout
from redis.typing import EncodableT
from redis.utils import HIREDIS_AVAILABLE

_SERIALIZER = HiredisRespSerializer()  # stateless; hiredis's packer, as redis-py calls it


class BoundedPool(ConnectionPool):
    """At most `max_connections` open; past that, callers queue in order for the next one given
    back and fail after `timeout` seconds with redis-py's "No connection available."."""

    def __init__(self, *, timeout: float = 10, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connection_class = packing_in_c(self.connection_class)
        self.timeout = timeout
        self._waiters: deque[asyncio.Future[None]] = deque()

    def _has_free(self) -> bool:
        return bool(self._available_connections) or (
            len(self._in_use_connections) < self.max_connections
        )

    async def get_connection(self, *_: Any, **__: Any) -> AbstractConnection:
        """A connected connection: a free one, a new one while under the bound, or the next
        one given back."""
        if not self._has_free():
            await self._wait()
        connection: AbstractConnection = self.get_available_connection()  # type: ignore[no-untyped-call]
        try:
            await self.ensure_connection(connection)
        except BaseException:
            await self.release(connection)
            raise
        return connection

    async def ensure_connection(self, connection: AbstractConnection) -> None:
        """redis-py's check, without its `connect()` for a connection connected already (a
        no-op, but one that goes through the retry policy and its counting each time)."""
        try:
            if connection.is_connected and not await connection.can_read():
                return  # connected, and nothing left unread from a command before
        except ConnectionLost:
            pass  # its socket failed (and was closed): redis-py's check connects it again
        await super().ensure_connection(connection)

    async def _wait(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while not self._has_free():  # another caller may take the one given back first
            waiter = loop.create_future()
            self._waiters.append(waiter)
            try:
                async with asyncio.timeout_at(deadline):
                    await waiter
            except BaseException as exc:
                if waiter.done() and not waiter.cancelled():  # woken, then cancelled or timed
                    self._wake()  # out before it ran: the connection goes to the next
                if isinstance(exc, TimeoutError):
                    raise ConnectionLost("No connection available.") from None
                raise

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # timed out or cancelled waiters are skipped
                waiter.set_result(None)
                return

    async def release(self, connection: AbstractConnection) -> None:
        """Give a connection back (a connection that asked to be re-made is closed first)."""
        self._in_use_connections.remove(connection)
        if connection.should_reconnect():  # type: ignore[no-untyped-call]
            await connection.disconnect()
        self._available_connections.append(connection)
        self._wake()


class _HiredisPacking:
    """What redis-py's synchronous client does when hiredis is installed, for an asyncio
    connection: commands packed by its `HiredisRespSerializer` (a command's first argument split
    at spaces, 'CONFIG GET'; strings as UTF-8, numbers as redis-py writes them; a value of
    another type is a DataError).

    And a command written on a connection already connected, with no health check due, is
    timed by `asyncio.timeout` instead of redis-py's `asyncio.wait_for`, which makes a task of
    every write (Python 3.11), with a timer, a cancel and callbacks around it. A write timing
    out is redis-py's TimeoutError, its connection closed, as there."""

    # the connection class's (annotations only: nothing here shadows them)
    socket_timeout: float | None
    health_check_interval: float
    next_health_check: float
    is_connected: bool

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        send = super().send_packed_command  # type: ignore[misc]
        health_due = (
            check_health
            and self.health_check_interval
            and asyncio.get_running_loop().time() > self.next_health_check
        )
        timeout = self.socket_timeout
        if not self.is_connected or health_due or not timeout:
            await send(command, check_health)  # connecting or checking: each step timed there
            return
        self.socket_timeout = None  # redis-py's writes it without wait_for, timed here
        try:
            async with asyncio.timeout(timeout):
                await send(command, False)
        except TimeoutError:  # the write was cancelled, and its connection closed, there
            raise WriteTimeout("Timeout writing to socket") from None
        finally:
            self.socket_timeout = timeout

    def pack_command(self, *args: EncodableT) -> list[bytes]:
        packed: list[bytes] = _SERIALIZER.pack(*args)  # type: ignore[arg-type]  # its hint is wrong
        return packed


_PACKING: dict[type[AbstractConnection], type[AbstractConnection]] = {}


def packing_in_c(connection_class: type[AbstractConnection]) -> type[AbstractConnection]:
    """`connection_class` (TCP, TLS or Unix socket, as the URL says) packing with hiredis
    (as it is, without hiredis)."""
    if not HIREDIS_AVAILABLE or issubclass(connection_class, _HiredisPacking):
        return connection_class
    if connection_class not in _PACKING:
        name = f"Hiredis{connection_class.__name__}"
        _PACKING[connection_class] = type(name, (_HiredisPacking, connection_class), {})
    return _PACKING[connection_class]
