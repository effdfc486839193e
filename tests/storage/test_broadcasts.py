"""The broadcast store against real Redis: recipients frozen once, claims exclusive across
concurrent claimers, pause/resume/cancel between claims, a dead worker's sends counted unknown
and never claimed again, counts and history."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from flows.engine.address import Address
from storage.broadcasts import BroadcastNotFound, BroadcastStore
from storage.keys import KeyBuilder

AUTHOR = Address.telegram(7)
PAYLOAD = {"messages": {"en": [{"text": "Hello"}]}}


@pytest.fixture
def store(redis: aioredis.Redis, key_prefix: str) -> BroadcastStore:
    return BroadcastStore(redis, KeyBuilder(key_prefix))


def founders(n: int, start: int = 1000) -> list[tuple[Address | str, str]]:
    return [(Address.telegram(start + i), "zh_CN" if i % 2 else "en") for i in range(n)]


async def running(store: BroadcastStore, n: int, now: float = 100.0) -> str:
    b = await store.create(AUTHOR, PAYLOAD, {"all": True}, now)
    await store.start(b.id, founders(n), now)
    return b.id


async def test_a_broadcast_records_its_fields_and_recipients_once(store: BroadcastStore) -> None:
    b = await store.create(AUTHOR, PAYLOAD, {"district": "pudong"}, 50.0, broadcast_id="b1")
    assert (await store.get("b1")).status == "scheduled"
    recipients = [*founders(2500), *founders(10), ("1000", "en"), ("local.3", "en")]
    counts = await store.start(b.id, recipients, 60.0)
    got = await store.get("b1")
    assert counts.total == got.counts.total == 2501  # duplicates dropped, local.3 added
    assert (got.status, got.started_at, got.author, got.payload) == (
        "running",
        60.0,
        AUTHOR,
        PAYLOAD,
    )
    assert got.audience == {"district": "pudong"} and got.created_at == 50.0
    assert await store.running() == ["b1"]
    with pytest.raises(ValueError):
        await store.create(AUTHOR, PAYLOAD, None, 1.0, broadcast_id="b1")
    with pytest.raises(BroadcastNotFound):
        await store.get("nope")


async def test_claims_are_exclusive_across_concurrent_claimers(
    connect, key_prefix: str, store: BroadcastStore
) -> None:
    bid = await running(store, 3000)
    clients = [connect() for _ in range(4)]
    stores = [BroadcastStore(c, KeyBuilder(key_prefix)) for c in clients]
    seen: list[str] = []

    async def claimer(s: BroadcastStore) -> None:
        while (claim := await s.claim(bid, 37, 100.0, 60)).recipients:
            seen.extend(r.entry for r in claim.recipients)
            for r in claim.recipients:
                assert (await s.settle(claim, r, "delivered", 101.0))[0]

    try:
        await asyncio.gather(*(claimer(s) for s in stores))
    finally:
        for c in clients:
            await c.aclose()
    assert len(seen) == len(set(seen)) == 3000
    got = await store.get(bid)
    assert (got.status, got.counts.delivered, got.counts.pending, got.finished_at) == (
        "done",
        3000,
        0,
        101.0,
    )


async def test_pause_resume_and_cancel_stop_claims(store: BroadcastStore) -> None:
    bid = await running(store, 30)
    first = await store.claim(bid, 10, 100.0, 60)
    assert await store.pause(bid, 101.0)
    assert not await store.pause(bid, 101.0)
    assert (await store.claim(bid, 10, 101.0, 60)).recipients == []
    held, status = await store.settle(first, first.recipients[0], "delivered", 101.0)
    assert (held, status) == (True, "paused")
    assert await store.release(first, first.recipients[1:]) == 9
    assert await store.running() == []
    assert await store.resume(bid, 102.0)
    again = await store.claim(bid, 10, 102.0, 60)
    order = [str(a) for a, _ in founders(30)]
    assert [str(r.address) for r in again.recipients] == order[1:11]  # given back, in order
    assert await store.cancel(bid, 103.0)
    assert not await store.resume(bid, 104.0)
    assert (await store.claim(bid, 10, 104.0, 60)).recipients == []
    got = await store.get(bid)
    assert (got.status, got.finished_at, got.counts.delivered, got.counts.sending) == (
        "cancelled",
        103.0,
        1,
        10,
    )


async def test_a_dead_workers_sends_are_unknown_and_never_sent_again(store: BroadcastStore) -> None:
    bid = await running(store, 5)
    dead = await store.claim(bid, 3, 100.0, 60)  # this worker dies mid-batch
    assert await store.settle(dead, dead.recipients[0], "delivered", 100.5) == (True, "running")
    assert await store.reap(bid, 159.0) == 0  # its lease still holds
    live = await store.claim(bid, 10, 159.0, 60)
    assert {r.entry for r in live.recipients}.isdisjoint(r.entry for r in dead.recipients)
    for r in live.recipients:
        await store.settle(live, r, "blocked" if r is live.recipients[0] else "delivered", 159.0)
    assert await store.reap(bid, 160.0) == 2
    assert (await store.settle(dead, dead.recipients[1], "delivered", 161.0))[0] is False
    counts = (await store.get(bid)).counts
    assert (counts.delivered, counts.blocked, counts.unknown, counts.pending) == (2, 1, 2, 0)
    assert (await store.get(bid)).status == "done"
    outcomes = await store.outcomes(bid)
    assert sorted(outcomes.values()) == ["blocked", "delivered", "delivered", "unknown", "unknown"]
    assert not await store.extend(dead, dead.recipients, 999.0)


async def test_history_is_newest_first_and_progress_is_kept(store: BroadcastStore) -> None:
    for i in range(3):
        await store.create(AUTHOR, PAYLOAD, None, float(i), broadcast_id=f"h{i}")
    await store.set_progress("h1", AUTHOR, "42")
    assert [b.id for b in await store.recent(2)] == ["h2", "h1"]
    assert (await store.get("h1")).progress == (AUTHOR, "42")
    assert await store.mark_reported("h1") and not await store.mark_reported("h1")
