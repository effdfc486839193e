"""Leases kept alive by a heartbeat: the turn of a founder (`FounderStore.heartbeat`) and a
lease only one process may hold at a time (`SoleLease`, e.g. the one Telegram poller)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# KEYS: the lease; ARGV: holder, ttl_ms. 1 when the holder still held it (and now longer), 2
# when it had run out and nobody took it (taken again), 0 when another holds it.
EXTEND_IF_HELD = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 2
"""
# KEYS: the lease; ARGV: holder. Deletes it only when this holder holds it.
RELEASE_IF_HELD = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""


@contextlib.asynccontextmanager
async def heartbeat(
    beat: Callable[[], Awaitable[object]], every: float, what: str
) -> AsyncIterator[None]:
    """Call `beat` every `every` seconds while inside. A failed beat is logged and the next one
    tried: the lease runs out only if none reaches Redis for a whole lease. On the way out a
    beat in flight is waited for, never cancelled (redis-py may turn a cancellation into a
    connection error), so no beat lands after what follows (a release)."""
    done = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def run() -> None:
        due = loop.time() + every
        while True:
            with contextlib.suppress(TimeoutError):  # at a fixed rate: a slow beat costs no drift
                await asyncio.wait_for(done.wait(), max(0.0, due - loop.time()))
            if done.is_set():
                return
            due = max(due + every, loop.time())
            try:
                await beat()
            except RedisError as exc:
                log.warning("heartbeat of %s failed: %s", what, type(exc).__name__)

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        done.set()
        await asyncio.shield(task)


class SoleLease:
    """A lease one holder at a time: claimed with SET NX, kept by a heartbeat, released on exit,
    and running out `ttl` seconds after its holder died."""

    def __init__(self, redis: Redis, key: str, holder: str, ttl: float) -> None:
        self.redis, self.key, self.holder = redis, key, holder
        self.ttl_ms = int(ttl * 1000)
        self._extend = redis.register_script(EXTEND_IF_HELD)
        self._release = redis.register_script(RELEASE_IF_HELD)

    async def claim(self, wait: float = 0.0) -> str | None:
        """Take the lease, waiting up to `wait` seconds for a holder that died to lose it; None
        when taken, else who holds it."""
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            if await self.redis.set(self.key, self.holder, nx=True, px=self.ttl_ms):
                return None
            other = cast(bytes | None, await self.redis.get(self.key))
            if other is not None and asyncio.get_running_loop().time() >= deadline:
                return other.decode(errors="replace")
            await asyncio.sleep(min(0.2, self.ttl_ms / 4000))

    async def extend(self) -> bool:
        """Push the lease on (taking it again if it ran out while no beat got through and
        nobody took it); False when another holder has it."""
        held = int(await self._extend(keys=[self.key], args=[self.holder, self.ttl_ms]))
        if held == 2:
            log.warning("lease %s ran out between beats; taken again", self.key)
        elif held == 0:
            log.error("lease %s was lost: another process holds it", self.key)
        return held != 0

    async def release(self) -> None:
        """Give the lease up, if still held (a failure leaves it to run out)."""
        try:
            await self._release(keys=[self.key], args=[self.holder])
        except RedisError as exc:
            log.warning("could not release lease %s: %s", self.key, type(exc).__name__)

    @contextlib.asynccontextmanager
    async def kept(self) -> AsyncIterator[None]:
        """Keep a claimed lease alive while inside (a heartbeat every third of `ttl`), then
        release it."""
        try:
            async with heartbeat(self.extend, self.ttl_ms / 3000, self.key):
                yield
        finally:
            await self.release()
