"""The backlogs the operators' gauges show, read from a real Redis: the outbox's waiting
entries and the oldest one's age, its retries and dead letters, and the timed events due."""

from __future__ import annotations

import time

import redis.asyncio as aioredis
from shards import fit

from flows.engine.address import Address
from storage.keys import KeyBuilder
from storage.outbox import Backlog, OutboxStore
from storage.timers import TimerStore

ONE = Address.telegram(30)  # references of one founder's shard: `read`'s count holds per shard


async def queue(store: OutboxStore, reference: str, at_ms: int) -> str:
    """An outbox entry as the commit script writes it, queued at `at_ms`."""
    fields = {"reference": reference, "founder": "30", "office": "district_hrss"}
    entry_id = await store.redis.xadd(store.keys.outbox_of(reference), fields, id=f"{at_ms}-0")
    return entry_id.decode()


async def test_an_empty_outbox_has_no_backlog(redis: aioredis.Redis, key_prefix: str) -> None:
    store = OutboxStore(redis, KeyBuilder(key_prefix))
    assert await store.backlog(int(time.time() * 1000)) == Backlog(0, 0.0, 0, 0)
    await store.ensure_group()
    assert await store.backlog(int(time.time() * 1000)) == Backlog(0, 0.0, 0, 0)


async def test_unread_taken_retried_and_dead_entries_are_told_apart(
    redis: aioredis.Redis, key_prefix: str
) -> None:
    store = OutboxStore(redis, KeyBuilder(key_prefix))
    now_ms = 1_790_000_000_000
    await queue(store, fit("SUB-A", ONE), now_ms - 300_000)  # before any worker: unread
    assert await store.backlog(now_ms) == Backlog(1, 300.0, 0, 0)
    await store.ensure_group()
    await queue(store, fit("SUB-B", ONE), now_ms - 120_000)
    await queue(store, fit("SUB-C", ONE), now_ms - 60_000)
    await queue(store, fit("SUB-D", ONE), now_ms - 30_000)
    a, b, c = await store.read("w1", 3)  # taken: pending, still waiting
    assert await store.backlog(now_ms) == Backlog(4, 300.0, 0, 0)
    await store.mark_delivered(a.reference, a.id, settle=a)
    assert await store.backlog(now_ms) == Backlog(3, 120.0, 0, 0)
    await store.schedule_retry(b, 1, now_ms + 5000, "HTTP 503")
    await store.dead_letter(c, "not retryable")
    assert await store.backlog(now_ms) == Backlog(1, 30.0, 1, 1)  # D, unread


async def test_entries_deleted_by_an_erasure_do_not_hide_the_unread_ones(
    redis: aioredis.Redis, key_prefix: str
) -> None:
    """After XDEL, Redis cannot tell a group's lag: the unread entries are counted instead."""
    store = OutboxStore(redis, KeyBuilder(key_prefix))
    await store.ensure_group()
    now_ms = 1_790_000_000_000
    references = [fit(f"SUB-{n}", ONE) for n in range(4)]
    ids = [await queue(store, r, now_ms - 10_000 + n) for n, r in enumerate(references)]
    stream = store.keys.outbox_of(references[0])
    await redis.xdel(stream, ids[1])
    groups = await redis.xinfo_groups(stream)
    assert groups[0]["lag"] is None  # what the fallback is for
    backlog = await store.backlog(now_ms)
    assert backlog.waiting == 3 and backlog.oldest_age_s == 10.0


async def test_timers_due_now_and_dead_are_counted(redis: aioredis.Redis, key_prefix: str) -> None:
    timers = TimerStore(redis, KeyBuilder(key_prefix))
    now = 1_790_000_000.0
    await timers.schedule("e1", "reminder", now - 5, {})
    await timers.schedule("e2", "reminder", now - 1, {})
    await timers.schedule("e3", "reminder", now + 60, {})  # not due yet
    assert await timers.backlog(now) == (2, 0)
    (claimed,) = await timers.claim(now, 1, 60)  # taken: no longer waiting
    assert await timers.backlog(now) == (1, 0)
    await timers.dead(claimed, "gave up", attempts=5, at=now)
    assert await timers.backlog(now) == (1, 1)
