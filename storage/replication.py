"""Writes acknowledged only once replicas hold them (REDIS_WAIT_REPLICAS), so a Sentinel failover
cannot lose what the bot reported saved.

Redis's `WAIT` counts the replicas that reached the last write *of its own connection*; on a
pooled client a separate `WAIT` may run on a connection that wrote nothing (or long ago) and
count every replica at once. So a barrier goes first on the same connection: a `PUBLISH`,
which Redis propagates to its replicas like a write, placed after everything the primary did
before it; once a replica acknowledged it, it holds every earlier write too (the replication
stream is in order), whichever connection made them. Pipelined, not MULTI: `WAIT` inside a
transaction does not wait.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError, RedisError

from storage.errors import StorageUnavailable

BARRIER_CHANNEL = "smebot:replication-barrier"  # nobody subscribes; the message is empty


class NotReplicated(StorageUnavailable):
    """The write is on the primary but fewer replicas than asked acknowledged it in time: a
    failover now could lose it, so it is not reported saved."""


async def replicated(redis: Redis, replicas: int, timeout_ms: int) -> None:
    """Wait until `replicas` replicas hold every write the primary made so far (one round
    trip); NotReplicated when fewer acknowledged within `timeout_ms`, nothing when 0."""
    if replicas > 0:
        async with redis.pipeline(transaction=False) as pipe:
            _barrier(pipe, replicas, timeout_ms)
            _, acked = await pipe.execute()
        _check(acked, replicas)


async def run_replicated(
    redis: Redis,
    script: AsyncScript,
    keys: list[Any],
    args: list[Any],
    *,
    replicas: int,
    timeout_ms: int,
) -> Any:
    """Run the script and, when `replicas` > 0, wait for its writes to reach them in the same
    round trip; its reply, or NotReplicated. Redis errors are raised as they are (the
    caller's `unavailable()` turns them into StorageUnavailable)."""
    if replicas <= 0:
        return await script(keys=keys, args=args)
    for _ in range(2):  # the second time after loading a script the server did not know
        async with redis.pipeline(transaction=False) as pipe:
            pipe.evalsha(script.sha, len(keys), *keys, *args)
            _barrier(pipe, replicas, timeout_ms)
            reply, _, acked = await pipe.execute(raise_on_error=False)
        if isinstance(reply, NoScriptError):
            script.sha = await redis.script_load(script.script)
            continue
        for outcome in (reply, acked):
            if isinstance(outcome, RedisError):
                raise outcome
        _check(acked, replicas)
        return reply
    raise StorageUnavailable("Redis does not keep the script loaded")


def _barrier(pipe: Pipeline, replicas: int, timeout_ms: int) -> None:
    pipe.publish(BARRIER_CHANNEL, b"")
    pipe.wait(replicas, timeout_ms)


def _check(acked: Any, replicas: int) -> None:
    if int(acked) < replicas:
        raise NotReplicated(f"{acked} of {replicas} replicas acknowledged the write in time")
