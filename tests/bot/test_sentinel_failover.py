"""A Sentinel failover under founders' turns (tests/redis_sentinel.py: a primary, a replica, a
sentinel), through the app's client (`redis+sentinel://`) and store: the primary SIGKILLed,
the replica promoted, the client carrying on against it.

With REDIS_WAIT_REPLICAS=1 every commit told saved is there afterwards; commits during the
failover may be told not saved (they were not replicated, or Redis was unreachable) but never
told saved and then lost. Without it the same failover loses commits told saved (the replica
is cut off before the primary dies, so the loss is certain rather than a race)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis_cluster import require_redis_tools
from redis_sentinel import LocalSentinel

from bot.config import Settings
from bot.wiring import create_app, create_redis
from flows.engine.address import Address
from flows.engine.draft import Draft
from storage.errors import StorageError, StorageUnavailable
from storage.founders import FounderStore, Turn
from storage.replication import NotReplicated, replicated

FOUNDERS = 6
SETTLE_FOR_S = 30.0  # as ConversationService settles a commit whose outcome is unknown
CARRY_ON_WITHIN_S = 20.0  # a bound for a stuck client, not a speed target


@pytest.fixture
def sentinel(tmp_path: Path) -> Iterator[LocalSentinel]:
    require_redis_tools("the Sentinel failover tests need them")
    local = LocalSentinel(tmp_path)
    try:
        local.start()
        yield local
    finally:
        local.stop()


@dataclass
class Founding:
    """One founder answering again and again; which answers were told saved, which not."""

    store: FounderStore
    address: Address
    saved: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    async def answer(self, n: int) -> None:
        try:
            turn = await self.store.begin(self.address, update_id=n)
        except StorageError:
            self.failed.append(n)
            return
        assert turn is not None  # each update id is sent once
        draft = turn.state.drafts.get("registration") or Draft(flow="registration", step="a")
        draft.answers["seq"] = f"{draft.answers.get('seq', '')},{n}"
        turn.state.put_draft(draft)
        try:
            await self.store.commit(turn)
        except StorageUnavailable:
            landed = await settled(self.store, turn)
            (self.saved if landed else self.failed).append(n)
            return
        self.saved.append(n)

    async def keep_answering(self, stop: asyncio.Event) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            await self.answer(n)
            await asyncio.sleep(0.01)


async def settled(store: FounderStore, turn: Turn) -> bool:
    """What the service tells the founder of a commit whose outcome is unknown: asks Redis
    (settle) until it answers; False (not saved) when it never does."""
    deadline, pause = time.monotonic() + SETTLE_FOR_S, 0.05
    while time.monotonic() < deadline:
        try:
            return await store.settle(turn)
        except StorageUnavailable:
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)
    return False


async def failover_under_founders(sentinel: LocalSentinel, replicas: int) -> list[Founding]:
    """Founders answer; the replica is cut off; the primary is SIGKILLed and the replica,
    resumed, promoted; the old primary rejoins as a replica; the founders go on for a while."""
    prefix = f"s{uuid.uuid4().hex[:8]}"
    settings = Settings(
        redis_url=sentinel.url,
        redis_prefix=prefix,
        redis_wait_replicas=replicas,
        redis_wait_timeout_ms=200,
        redis_socket_timeout=1.0,
    )
    client = create_redis(settings)
    store = create_app(settings, client).store
    assert store.replicas == replicas
    # A turn begun before the failover and ended only on the dead primary still holds the
    # line on the promoted one until its lease runs out: 1 s here instead of 10 s.
    store.lease_ms = 1000
    founders = [Founding(store, Address.telegram(7000 + i)) for i in range(FOUNDERS)]
    stop = asyncio.Event()
    running = [asyncio.create_task(f.keep_answering(stop)) for f in founders]
    try:
        await asyncio.sleep(0.5)
        assert sentinel.failovers() == 0, "the harness failed over before the test did"
        sentinel.cut_replica()
        await asyncio.sleep(0.6)  # answers the primary has and no replica has
        sentinel.kill_primary()
        sentinel.resume_replica()
        await asyncio.to_thread(sentinel.wait_promoted)
        await asyncio.to_thread(sentinel.rejoin_old_primary)
        wanted = [len(f.saved) + 3 for f in founders]  # every founder carries on
        deadline = time.monotonic() + CARRY_ON_WITHIN_S
        while time.monotonic() < deadline and any(
            len(f.saved) < n for f, n in zip(founders, wanted, strict=True)
        ):
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.gather(*running)
        assert sentinel.failovers() == 1, "the harness failed over more than once"
        assert all(len(f.saved) >= n for f, n in zip(founders, wanted, strict=True))
    finally:
        stop.set()
        await asyncio.gather(*running, return_exceptions=True)
        await client.aclose()
    return founders


async def stored_answers(sentinel: LocalSentinel, founders: list[Founding]) -> list[set[int]]:
    """Each founder's answers as the promoted primary holds them."""
    primary = Redis(port=sentinel.replica)
    try:
        found = []
        for f in founders:
            state = await FounderStore(
                primary, f.store.flows, cipher=f.store.cipher, keys=f.store.keys
            ).peek(f.address)
            seq = state.drafts["registration"].answers["seq"] if state.drafts else ""
            found.append({int(n) for n in seq.split(",") if n})
        return found
    finally:
        await primary.aclose()


async def test_nothing_told_saved_is_lost_in_a_failover_with_wait_replicas(sentinel):
    founders = await failover_under_founders(sentinel, replicas=1)
    stored = await stored_answers(sentinel, founders)
    for founding, kept in zip(founders, stored, strict=True):
        assert set(founding.saved) <= kept, founding.address
        assert founding.saved
    assert sum(len(f.failed) for f in founders) > 0  # while the replica was cut off


async def test_without_wait_replicas_the_same_failover_loses_answers_told_saved(sentinel):
    """Why REDIS_WAIT_REPLICAS exists: the primary said yes and died before replicating."""
    founders = await failover_under_founders(sentinel, replicas=0)
    stored = await stored_answers(sentinel, founders)
    lost = [set(f.saved) - kept for f, kept in zip(founders, stored, strict=True)]
    assert any(lost)


async def test_the_barrier_covers_writes_made_on_another_connection(sentinel):
    """A bare WAIT on a connection that wrote nothing counts every replica at once; the
    barrier waits for the writes of every connection before it."""
    writer, waiter = Redis(port=sentinel.primary), Redis(port=sentinel.primary)
    try:
        await writer.set("k", "1")
        await replicated(waiter, 1, 200)
        sentinel.pause_replica()
        await writer.set("k", "2")
        assert await waiter.wait(1, 200) == 1  # the pitfall: it saw no write of its own
        with pytest.raises(NotReplicated):
            await replicated(waiter, 1, 200)
        sentinel.resume_replica()
        await replicated(waiter, 1, 1000)
    finally:
        sentinel.resume_replica()
        await writer.aclose()
        await waiter.aclose()


async def test_the_sentinel_client_waits_for_a_free_connection_under_a_burst(sentinel):
    """As the single server's pool: REDIS_MAX_CONNECTIONS bounds it, nobody fails for it."""
    client = create_redis(Settings(redis_url=sentinel.url, redis_max_connections=2))
    try:
        replies = await asyncio.gather(*(client.blpop(["nothing"], timeout=0.1) for _ in range(6)))
        assert replies == [None] * 6
        pool = client.connection_pool
        assert len(pool._in_use_connections) + len(pool._available_connections) == 2
    finally:
        await client.aclose()
