"""The outbox work queue against a real Redis: group, reclaim, retries, dead letters, records."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import pytest
import redis.asyncio as aioredis
from shards import fit, outbox_len

from flows.engine.address import Address
from storage.keys import SHARDS, KeyBuilder, shard_of
from storage.outbox import OutboxEntry, OutboxStore
from storage.submissions import OUTBOX_FIELDS

NOW_MS = 1_790_000_000_000


def outbox_fields(reference: str) -> dict[Any, Any]:
    """The fields the commit script writes for one submission."""
    values = (reference, "30", "subsidy", "startup-rent", "徐汇区中小企业服务中心", "1790000000.5")
    return dict(zip(OUTBOX_FIELDS, values, strict=True))


async def submit(store: OutboxStore, *references: str) -> None:
    for reference in references:
        await store.redis.xadd(store.keys.outbox_of(reference), outbox_fields(reference))


@pytest.fixture
async def store(redis: aioredis.Redis, key_prefix: str) -> OutboxStore:
    outbox = OutboxStore(redis, KeyBuilder(key_prefix))
    await outbox.ensure_group()
    return outbox


async def pending(store: OutboxStore) -> int:
    """How many entries are pending in every shard's consumer group."""
    total = 0
    for shard in range(SHARDS):
        total += int((await store.redis.xpending(store.keys.outbox(shard), store.group))["pending"])
    return total


def test_keys_of_the_outbox() -> None:
    keys = KeyBuilder("smebot")
    assert keys.outbox(3) == "smebot:v2:outbox:{3}"
    assert keys.outbox(3, "retry") == "smebot:v2:outbox:{3}:retry"
    assert keys.outbox(3, "dead") == "smebot:v2:outbox:{3}:dead"
    reference = "SUB-20261128-7Q4K9M"
    shard = shard_of(reference)
    assert keys.delivery(reference) == f"smebot:v2:delivery:{{{shard}}}:{reference}"
    assert keys.outbox_of(reference) == keys.outbox(shard)  # one slot with its delivery record
    with pytest.raises(ValueError):
        keys.outbox(SHARDS)
    for bad in ("", "a:b"):
        with pytest.raises(ValueError):
            keys.delivery(bad)


async def test_ensure_group_is_idempotent_and_starts_at_the_oldest_entry(
    redis: aioredis.Redis, key_prefix: str
) -> None:
    store = OutboxStore(redis, KeyBuilder(key_prefix))
    await submit(store, "SUB-1")
    await store.ensure_group()
    await store.ensure_group()
    [entry] = await store.read("a", 10)
    assert entry.fields == outbox_fields("SUB-1")
    assert (entry.reference, entry.attempt, entry.first_attempt_ms) == ("SUB-1", 0, None)


async def test_read_takes_each_entry_once_and_ack_settles_it(store: OutboxStore) -> None:
    one, two = (fit(r, Address.telegram(30)) for r in ("SUB-1", "SUB-2"))  # in one shard
    await submit(store, one, two)
    first = await store.read("a", 1)  # at most 1 of each shard
    second = await store.read("b", 10)
    assert [e.reference for e in first + second] == [one, two]
    assert await store.read("a", 10, block_ms=10) == []
    assert await pending(store) == 2
    assert await store.ack(first[0]) is True
    assert await store.ack(first[0]) is False
    assert await pending(store) == 1


async def test_reclaim_takes_over_only_idle_entries(store: OutboxStore) -> None:
    await submit(store, "SUB-1")
    [taken] = await store.read("dead-worker", 10)
    assert await store.reclaim("b", min_idle_ms=60_000, count=10) == []
    await asyncio.sleep(0.02)
    [reclaimed] = await store.reclaim("b", min_idle_ms=10, count=10)
    assert reclaimed == taken
    stream = store.keys.outbox_of("SUB-1")
    detail = await store.redis.xpending_range(stream, store.group, "-", "+", 10)
    assert [d["consumer"] for d in detail] == [b"b"]


async def test_schedule_retry_moves_the_entry_to_the_retry_set_atomically(
    store: OutboxStore,
) -> None:
    await submit(store, "SUB-1")
    [entry] = await store.read("a", 10)
    held = OutboxEntry(entry.id, entry.fields, 0, NOW_MS)
    assert await store.schedule_retry(held, 1, NOW_MS + 5000, "DeliveryFailed: 503") is True
    assert await pending(store) == 0
    retry = store.keys.outbox_of("SUB-1", "retry")
    retries = await store.redis.zrange(retry, 0, -1, withscores=True)
    [(member, score)] = cast(list[tuple[bytes, float]], retries)
    assert score == NOW_MS + 5000
    assert json.loads(member) == outbox_fields("SUB-1") | {
        "attempt": "1",
        "first_attempt_ms": str(NOW_MS),
        "last_error": "DeliveryFailed: 503",
    }
    assert await store.delivery("SUB-1") == {"attempts": "1", "last_error": "DeliveryFailed: 503"}
    # Settled already (e.g. by the worker that reclaimed it): nothing is scheduled twice.
    assert await store.schedule_retry(held, 1, NOW_MS + 9000, "again") is False
    assert await outbox_len(store.redis, store.keys, "retry") == 1


async def test_due_retries_come_back_on_the_stream_with_their_attempt(store: OutboxStore) -> None:
    await submit(store, "SUB-1")
    [entry] = await store.read("a", 10)
    await store.schedule_retry(
        OutboxEntry(entry.id, entry.fields, 0, NOW_MS), 1, NOW_MS + 5000, "x"
    )
    assert await store.due_retries(NOW_MS + 4999, 10) == []
    [moved] = await store.due_retries(NOW_MS + 5000, 10)
    assert moved.id != entry.id
    assert (moved.fields, moved.attempt, moved.first_attempt_ms) == (entry.fields, 1, NOW_MS)
    assert await outbox_len(store.redis, store.keys, "retry") == 0
    [again] = await store.read("b", 10)
    assert again == moved


async def test_due_retries_of_every_shard_move_after_redis_forgot_the_script(
    store: OutboxStore,
) -> None:
    # one reference per shard, so each of the pipelined calls has something to move
    candidates = (f"SUB-S{i}" for i in range(10_000))
    by_shard = {}
    for reference in candidates:
        by_shard.setdefault(shard_of(reference), reference)
        if len(by_shard) == SHARDS:
            break
    references = list(by_shard.values())
    await submit(store, *references)
    for entry in await store.read("a", 10):
        await store.schedule_retry(entry, 1, NOW_MS, "x")
    await store.due_retries(NOW_MS - 1, 10)  # the script is known: nothing due yet
    await store.redis.script_flush()  # a restart, or an operator: every script forgotten
    moved = await store.due_retries(NOW_MS, 10)
    assert sorted(e.reference for e in moved) == sorted(references)
    assert {e.on_shard for e in moved} == set(range(SHARDS))
    assert await outbox_len(store.redis, store.keys, "retry") == 0
    assert sorted(e.reference for e in await store.read("b", 10)) == sorted(references)


async def test_concurrent_due_retries_take_disjoint_entries(
    store: OutboxStore, connect: Any
) -> None:
    references = [f"SUB-{i}" for i in range(40)]
    await submit(store, *references)
    for entry in await store.read("a", 100):
        await store.schedule_retry(entry, 1, NOW_MS, "x")
    clients = [connect() for _ in range(4)]
    try:
        for client in clients:
            await client.ping()  # as the bot does first (see conftest `connect`)
        stores = [OutboxStore(client, store.keys) for client in clients]
        batches = await asyncio.gather(
            *(s.due_retries(NOW_MS, 3) for s in stores for _ in range(5))
        )
    finally:
        for client in clients:
            await client.aclose()
    moved = [entry.reference for batch in batches for entry in batch]
    assert sorted(moved) == sorted(references)
    assert await outbox_len(store.redis, store.keys) == 80
    assert await outbox_len(store.redis, store.keys, "retry") == 0


async def test_dead_letter_keeps_the_fields_and_the_reason(store: OutboxStore) -> None:
    await submit(store, "SUB-1")
    [entry] = await store.read("a", 10)
    failed = OutboxEntry(entry.id, entry.fields, 3, NOW_MS)
    assert await store.dead_letter(failed, "not retryable: 400", at=1_790_000_100.0) is True
    assert await store.dead_letter(failed, "twice") is False
    assert await pending(store) == 0
    [dead] = await store.dead_letters()
    assert dead == {"id": dead["id"]} | outbox_fields("SUB-1") | {
        "attempt": "3",
        "first_attempt_ms": str(NOW_MS),
        "entry_id": entry.id,
        "reason": "not retryable: 400",
        "dead_at": "1790000100.0",
    }
    record = await store.delivery("SUB-1")
    assert record == {
        "attempts": "1",
        "last_error": "not retryable: 400",
        "dead_at": "1790000100.0",
    }


async def test_an_entry_without_reference_can_still_be_dead_lettered(store: OutboxStore) -> None:
    await store.redis.xadd(store.keys.outbox(5), {"flow": "subsidy"})
    [entry] = await store.read("a", 10)
    assert entry.reference == ""
    assert await store.dead_letter(entry, "malformed") is True
    assert [d["reason"] for d in await store.dead_letters()] == ["malformed"]


async def test_delivery_record(store: OutboxStore) -> None:
    assert await store.delivery("SUB-1") == {}
    assert await store.is_delivered("SUB-1") is False
    await store.mark_delivered("SUB-1", "agency-receipt-9", at=1_790_000_000.25)
    assert await store.is_delivered("SUB-1") is True
    assert await store.delivery("SUB-1") == {
        "attempts": "1",
        "delivered_at": "1790000000.25",
        "delivery_id": "agency-receipt-9",
    }


async def test_marking_delivered_can_settle_the_entry_in_the_same_transaction(
    store: OutboxStore,
) -> None:
    await submit(store, "SUB-1")
    [entry] = await store.read("a", 1)
    await store.mark_delivered("SUB-1", entry.id, settle=entry)
    assert await store.is_delivered("SUB-1") is True
    assert await pending(store) == 0


async def test_taking_an_entry_reads_its_record_or_says_it_was_delivered(
    store: OutboxStore,
) -> None:
    await submit(store, "SUB-1", "SUB-2")
    await store.redis.set(store.keys.submission("SUB-1"), b'{"reference": "SUB-1"}')
    one, two = sorted(await store.read("a", 10), key=lambda e: e.reference)
    taken = await store.take(one)
    assert taken is not None and taken == one
    assert taken.record == b'{"reference": "SUB-1"}'
    no_record = await store.take(two)
    assert no_record is not None and no_record.record is None  # the deliverer finds none
    await store.mark_delivered("SUB-1", one.id, settle=one)
    assert await store.take(one) is None


async def test_marking_delivered_acks_an_entry_of_another_shards_stream(
    store: OutboxStore,
) -> None:
    other = (shard_of("SUB-1") + 1) % SHARDS  # a stream a v1 migration may have left it in
    await store.redis.xadd(store.keys.outbox(other), outbox_fields("SUB-1"))
    [entry] = await store.read("a", 1)
    assert entry.on_shard == other
    await store.mark_delivered("SUB-1", entry.id, settle=entry)
    assert await store.is_delivered("SUB-1") is True
    assert await pending(store) == 0
