"""The outbox worker against a real Redis, with a fake agency, clock and jitter."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import redis.asyncio as aioredis
from shards import outbox_len

from bot.handoff.types import DeliveryFailed
from bot.workers.outbox import OutboxWorker
from storage.keys import SHARDS, KeyBuilder, shard_of
from storage.outbox import OutboxEntry, OutboxStore, Settled
from storage.submissions import OUTBOX_FIELDS

START = 1_790_000_000.0
ID_NUMBER = "310104199001011234"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Agency:
    """A fake agency: fails each reference's first `failures` attempts with `error`."""

    def __init__(
        self,
        failures: int = 0,
        error: Exception | None = None,
        pause: float = 0,
        receipt: str | None = None,
    ) -> None:
        self.failures = failures
        self.error = error or DeliveryFailed("HTTP 503")
        self.pause = pause
        self.receipt = receipt
        self.calls: Counter[str] = Counter()
        self.delivered: Counter[str] = Counter()

    async def __call__(self, entry: OutboxEntry) -> str | None:
        self.calls[entry.reference] += 1
        if self.pause:
            await asyncio.sleep(self.pause)
        if self.calls[entry.reference] <= self.failures:
            raise self.error
        self.delivered[entry.reference] += 1
        return self.receipt


class DeadLetters:
    """Records `on_dead` calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def __call__(self, entry: OutboxEntry, reason: str) -> None:
        self.calls.append((entry.reference, reason))


@pytest.fixture
async def store(redis: aioredis.Redis, key_prefix: str) -> OutboxStore:
    return OutboxStore(redis, KeyBuilder(key_prefix))


async def submit(store: OutboxStore, *references: str) -> None:
    for reference in references:
        values = (reference, "30", "subsidy", "startup-rent", "xuhui-sme-centre", "1790000000.5")
        fields: dict[Any, Any] = dict(zip(OUTBOX_FIELDS, values, strict=True))
        await store.redis.xadd(store.keys.outbox_of(reference), fields)


async def unsettled(store: OutboxStore) -> tuple[int, int]:
    """Entries pending in the group, and retries waiting."""
    pending = 0
    for shard in range(SHARDS):
        pending += int(
            (await store.redis.xpending(store.keys.outbox(shard), store.group))["pending"]
        )
    return pending, await outbox_len(store.redis, store.keys, "retry")


async def retry_delay(store: OutboxStore, clock: Clock) -> float:
    """Seconds from now until the one scheduled retry is due."""
    retries = []
    for shard in range(SHARDS):
        retries += await store.redis.zrange(
            store.keys.outbox(shard, "retry"), 0, -1, withscores=True
        )
    [(_, score)] = cast(list[tuple[bytes, float]], retries)
    return score / 1000 - clock.now


async def test_first_attempt_succeeds(store: OutboxStore) -> None:
    agency, clock = Agency(), Clock()
    await submit(store, "SUB-1")
    worker = OutboxWorker(store, agency, consumer="w1", clock=clock)
    assert await worker.run_once() == 1
    assert agency.delivered == {"SUB-1": 1}
    [(entry_id, _)] = cast(
        list[tuple[bytes, Any]], await store.redis.xrange(store.keys.outbox_of("SUB-1"))
    )
    # deliver returned no id of its own, so the stream entry's id is recorded
    assert await store.delivery("SUB-1") == {
        "attempts": "1",
        "delivered_at": repr(START),
        "delivery_id": entry_id.decode(),
    }
    assert await unsettled(store) == (0, 0)
    assert await worker.run_once() == 0


async def test_the_agency_receipt_is_recorded_as_the_delivery_id(store: OutboxStore) -> None:
    await submit(store, "SUB-1")
    worker = OutboxWorker(store, Agency(receipt="XH-2026-0042"), consumer="w1", clock=Clock())
    await worker.run_once()
    assert (await store.delivery("SUB-1"))["delivery_id"] == "XH-2026-0042"


async def test_a_deliverer_that_settled_the_entry_itself_is_not_recorded_twice(
    store: OutboxStore,
) -> None:
    await submit(store, "SUB-1")
    await store.redis.set(store.keys.submission("SUB-1"), b"the stored record")
    records: list[bytes | str | None] = []

    async def deliver(entry: OutboxEntry) -> Settled:
        records.append(entry.record)  # read with the delivery flag, in the same round trip
        await store.mark_delivered(entry.reference, "XH-7", settle=entry)
        return Settled("XH-7")

    worker = OutboxWorker(store, deliver, consumer="w1", clock=Clock())
    assert await worker.run_once() == 1
    assert records == [b"the stored record"]
    record = await store.delivery("SUB-1")
    assert (record["attempts"], record["delivery_id"]) == ("1", "XH-7")
    assert await unsettled(store) == (0, 0)


@pytest.mark.parametrize("seed", [None, 1, 2])
async def test_failures_are_retried_with_growing_jittered_delays(
    store: OutboxStore, seed: int | None
) -> None:
    rng = (lambda: 1.0) if seed is None else random.Random(seed).random
    agency, clock = Agency(failures=5), Clock()
    await submit(store, "SUB-1")
    worker = OutboxWorker(store, agency, consumer="w1", clock=clock, rng=rng, max_delay_s=60)
    await worker.run_once()
    for attempt in range(5):
        cap = min(60.0, 5.0 * 2**attempt)
        delay = await retry_delay(store, clock)
        assert 0 <= delay <= cap + 1e-6
        if seed is None:
            assert delay == pytest.approx(cap, abs=0.002)  # 5, 10, 20, 40, then the 60 s cap
        if delay >= 0.001:
            assert await worker.run_once() == 0  # not due yet
            clock.advance(delay + 0.001)  # past the due millisecond despite float rounding
        assert await worker.run_once() == 1
    assert agency.calls == {"SUB-1": 6}
    assert agency.delivered == {"SUB-1": 1}
    record = await store.delivery("SUB-1")
    assert (record["attempts"], record["last_error"]) == ("6", "DeliveryFailed: HTTP 503")
    assert await unsettled(store) == (0, 0)


async def test_after_max_age_the_entry_is_dead_lettered_once(store: OutboxStore) -> None:
    agency, clock, dead = Agency(failures=1000), Clock(), DeadLetters()
    await submit(store, "SUB-1")
    worker = OutboxWorker(
        store,
        agency,
        consumer="w1",
        clock=clock,
        rng=lambda: 1.0,
        max_age=timedelta(minutes=10),
        base_delay_s=60,
        max_delay_s=240,
        on_dead=dead,
    )
    await worker.run_once()
    elapsed = 0.0
    while await unsettled(store) == (0, 1):
        delay = await retry_delay(store, clock)
        clock.advance(delay)
        elapsed += delay
        await worker.run_once()
    # Retries at 60, 180, 420 s; the one at 660 s fails past the 600 s window.
    assert elapsed == 660
    assert agency.calls == {"SUB-1": 5}
    assert dead.calls == [("SUB-1", "gave up after 5 attempts: DeliveryFailed: HTTP 503")]
    [letter] = await store.dead_letters()
    assert (letter["reference"], letter["attempt"]) == ("SUB-1", "4")
    assert letter["first_attempt_ms"] == str(int(START * 1000))
    assert await unsettled(store) == (0, 0)
    assert not await store.is_delivered("SUB-1")


async def test_a_failure_no_retry_can_fix_is_dead_lettered_at_once(store: OutboxStore) -> None:
    dead = DeadLetters()
    agency = Agency(failures=1, error=DeliveryFailed("HTTP 400", retryable=False))
    await submit(store, "SUB-1")
    worker = OutboxWorker(store, agency, consumer="w1", clock=Clock(), on_dead=dead)
    await worker.run_once()
    assert dead.calls == [("SUB-1", "not retryable: DeliveryFailed: HTTP 400")]
    assert agency.calls == {"SUB-1": 1}
    assert await unsettled(store) == (0, 0)
    assert [d["reference"] for d in await store.dead_letters()] == ["SUB-1"]


async def test_any_exception_is_retried_and_logged_without_its_text(
    store: OutboxStore, caplog: pytest.LogCaptureFixture
) -> None:
    agency = Agency(failures=1, error=ValueError(f"bad id {ID_NUMBER}"))
    await submit(store, "SUB-1")
    worker = OutboxWorker(store, agency, consumer="w1", clock=Clock(), rng=lambda: 0.0)
    with caplog.at_level(logging.DEBUG):
        await worker.run_once()
        assert (await store.delivery("SUB-1"))["last_error"] == "ValueError"
        await worker.run_once()
    assert agency.delivered == {"SUB-1": 1}
    assert "SUB-1" in caplog.text
    assert ID_NUMBER not in caplog.text
    for shard in range(SHARDS):
        assert ID_NUMBER not in str(
            await store.redis.zrange(store.keys.outbox(shard, "retry"), 0, -1)
        )


# Idle long enough for a reclaim: well past a pass that opens its first connections (a slow CI
# machine), well below the tests' patience.
IDLE_MS = 300


async def test_an_entry_of_a_worker_killed_mid_delivery_is_reclaimed_and_delivered_once(
    store: OutboxStore,
) -> None:
    agency = Agency()
    await submit(store, "SUB-1")
    await store.ensure_group()
    [taken] = await store.read("killed", 10)  # taken, never delivered, never acked
    worker = OutboxWorker(store, agency, consumer="w2", clock=Clock(), reclaim_idle_ms=IDLE_MS)
    assert await worker.run_once() == 0
    await asyncio.sleep(IDLE_MS / 1000 + 0.05)
    assert await worker.run_once() == 1
    await asyncio.sleep(IDLE_MS / 1000 + 0.05)
    assert await worker.run_once() == 0
    assert agency.calls == {"SUB-1": 1}
    assert (await store.delivery("SUB-1"))["delivery_id"] == taken.id
    assert await unsettled(store) == (0, 0)


async def test_a_redelivered_entry_of_a_delivered_bundle_is_acked_without_sending(
    store: OutboxStore,
) -> None:
    agency = Agency()
    await submit(store, "SUB-1")
    worker = OutboxWorker(store, agency, consumer="w1", clock=Clock(), reclaim_idle_ms=IDLE_MS)
    await worker.run_once()
    await submit(store, "SUB-1")  # the same bundle again on the stream
    assert await worker.run_once() == 1
    # Crashed after recording the delivery but before the ack: the reclaim only acks.
    await submit(store, "SUB-1")
    await store.read("crashed", 10)
    await asyncio.sleep(IDLE_MS / 1000 + 0.05)
    assert await worker.run_once() == 1
    assert agency.calls == {"SUB-1": 1}
    assert (await store.delivery("SUB-1"))["attempts"] == "1"
    assert await unsettled(store) == (0, 0)


async def test_two_workers_deliver_fifty_entries_exactly_once(
    store: OutboxStore, redis_url: str
) -> None:
    references = [f"SUB-{i:02}" for i in range(50)]
    await submit(store, *references)
    agency = Agency(failures=1, pause=0.001)  # every entry fails once, then goes through
    clients = [aioredis.from_url(redis_url) for _ in range(2)]
    stop = asyncio.Event()
    workers = [
        OutboxWorker(
            OutboxStore(client, store.keys),
            agency,
            consumer=f"w{i}",
            rng=lambda: 0.0,
            batch=5,
            block_ms=20,
        )
        for i, client in enumerate(clients)
    ]
    try:
        tasks = [asyncio.create_task(worker.run(stop)) for worker in workers]
        deadline = time.monotonic() + 10
        while sum(agency.delivered.values()) < 50 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=2)
    finally:
        for client in clients:
            await client.aclose()
    assert agency.delivered == {reference: 1 for reference in references}
    assert agency.calls == {reference: 2 for reference in references}
    assert await unsettled(store) == (0, 0)


async def test_run_stops_promptly_when_asked(store: OutboxStore) -> None:
    worker = OutboxWorker(store, Agency(), consumer="w1", block_ms=50)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, timeout=1)


async def test_run_waits_out_an_unreachable_redis(
    store: OutboxStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = aioredis.from_url(f"unix://{tmp_path}/no-such.sock")
    worker = OutboxWorker(OutboxStore(client, store.keys), Agency(), consumer="w1", block_ms=20)
    stop = asyncio.Event()
    try:
        task = asyncio.create_task(worker.run(stop))
        await asyncio.sleep(0.1)
        assert not task.done()
        stop.set()
        await asyncio.wait_for(task, timeout=1)
    finally:
        await client.aclose()
    assert "storage error StorageUnavailable" in caplog.text


async def test_a_failing_on_dead_does_not_stop_the_worker(store: OutboxStore) -> None:
    async def broken(entry: OutboxEntry, reason: str) -> None:
        raise RuntimeError("pager down")

    agency = Agency(failures=1, error=DeliveryFailed("HTTP 400", retryable=False))
    await submit(store, "SUB-1", "SUB-2")
    worker = OutboxWorker(store, agency, consumer="w1", clock=Clock(), on_dead=broken)
    assert await worker.run_once() == 2
    assert len(await store.dead_letters()) == 2


async def test_a_malformed_entry_goes_to_the_dead_letters(store: OutboxStore) -> None:
    dead = DeadLetters()
    await store.redis.xadd(store.keys.outbox(0), {"flow": "subsidy"})
    worker = OutboxWorker(store, Agency(), consumer="w1", clock=Clock(), on_dead=dead)
    await worker.run_once()
    assert dead.calls == [("", "malformed outbox entry: no reference")]
    assert await unsettled(store) == (0, 0)


async def test_a_withdrawn_submission_is_acked_and_not_delivered(store: OutboxStore) -> None:
    from bot.handoff.types import Withdrawn

    agency = Agency(failures=1, error=Withdrawn("SUB-1"))
    dead = DeadLetters()
    await submit(store, "SUB-1")
    worker = OutboxWorker(store, agency, consumer="w1", clock=Clock(), on_dead=dead)
    assert await worker.run_once() == 1
    assert agency.delivered == {} and dead.calls == []
    assert await unsettled(store) == (0, 0)  # neither pending nor waiting for a retry
    assert await store.delivery("SUB-1") == {}  # and never recorded as delivered


async def test_the_chore_runs_between_batches_at_most_every_period(store: OutboxStore) -> None:
    clock, ran = Clock(), []

    async def chore(now: float) -> None:
        ran.append(now)

    worker = OutboxWorker(
        store, Agency(), consumer="w1", clock=clock, chore=chore, chore_every_s=600
    )
    await worker.run_once()
    clock.advance(599)
    await worker.run_once()
    clock.advance(1)
    await worker.run_once()
    assert ran == [START, START + 600]


async def test_delivery_starts_the_retention_period(store: OutboxStore) -> None:
    await submit(store, "SUB-1")
    await OutboxWorker(store, Agency(), consumer="w1", clock=Clock()).run_once()
    retention = store.keys.retention(shard_of("SUB-1"))
    scores = await store.redis.zrange(retention, 0, -1, withscores=True)
    assert scores == [(b"SUB-1", START)]
