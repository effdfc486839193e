"""The timed-events worker against a real Redis, with a clock the test moves (no sleeps)."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot import ops
from bot.config import Settings
from bot.serve import embedded_worker, run_worker
from bot.wiring import create_app
from bot.workers.timers import TimerWorker
from storage.keys import KeyBuilder
from storage.timers import TimedEvent, TimerStore

START = 1_790_000_000.0
CHECK = "complaint-overdue"
SECRET = "310104199001011234"  # stands for personal data that must never reach a log


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Recorder:
    """A handler that records each event it is given; fails its first `failures` calls."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or RuntimeError(f"office record {SECRET} unreadable")
        self.calls: Counter[str] = Counter()
        self.seen: list[TimedEvent] = []

    async def __call__(self, event: TimedEvent) -> None:
        self.calls[event.id] += 1
        self.seen.append(event)
        if self.calls[event.id] <= self.failures:
            raise self.error


@pytest.fixture
def store(redis: aioredis.Redis, key_prefix: str) -> TimerStore:
    return TimerStore(redis, KeyBuilder(key_prefix))


def worker(store: TimerStore, handler: Recorder, clock: Clock, **options: Any) -> TimerWorker:
    """A worker firing `CHECK` events through `handler`, with the longest jittered delays."""
    return TimerWorker(store, {CHECK: handler}, clock=clock, rng=lambda: 1.0, **options)


async def test_two_workers_racing_fire_each_of_200_events_exactly_once(
    redis_url: str, store: TimerStore, key_prefix: str
) -> None:
    handlers, clock = (Recorder(), Recorder()), Clock()
    for i in range(200):
        await store.schedule(f"c{i}", CHECK, START - i % 17, {"reference": f"SUB-{i}"})
    # two processes: a client each, with a bounded pool like `bot.wiring.create_redis`
    clients = [
        aioredis.Redis.from_pool(
            aioredis.BlockingConnectionPool.from_url(redis_url, max_connections=16)
        )
        for _ in range(2)
    ]
    try:
        one, two = (
            worker(TimerStore(c, KeyBuilder(key_prefix)), h, clock, batch=7)
            for c, h in zip(clients, handlers, strict=True)
        )
        fired = 0
        while True:
            counts = await asyncio.gather(*(w.run_once() for _ in range(8) for w in (one, two)))
            fired += sum(counts)
            if not any(counts):
                break
    finally:
        for client in clients:
            await client.aclose()
    assert fired == 200
    assert handlers[0].calls + handlers[1].calls == Counter({f"c{i}": 1 for i in range(200)})
    assert handlers[0].calls and handlers[1].calls  # both took a share
    assert await store.pending() == []


async def test_an_event_does_not_fire_before_it_is_due(store: TimerStore) -> None:
    handler, clock = Recorder(), Clock()
    await store.schedule("c1", CHECK, START + 3600, {"reference": "SUB-1"})
    timers = worker(store, handler, clock)
    assert await timers.run_once() == 0
    clock.advance(3599.9)
    assert await timers.run_once() == 0
    clock.advance(0.1)
    assert await timers.run_once() == 1
    assert await timers.run_once() == 0
    assert handler.calls == {"c1": 1}
    assert handler.seen[0].payload == {"reference": "SUB-1"}


async def test_a_cancelled_event_never_fires(store: TimerStore) -> None:
    handler, clock = Recorder(), Clock()
    await store.schedule("c1", CHECK, START + 60, {})
    await store.schedule("c2", CHECK, START + 60, {})
    assert await store.cancel("c1") is True  # e.g. the office answered: the check is obsolete
    clock.advance(120)
    assert await worker(store, handler, clock).run_once() == 1
    assert handler.calls == {"c2": 1}
    assert await store.cancel("c2") is False  # fired already: a no-op that says so


async def test_rescheduling_fires_once_at_the_new_time_with_the_new_payload(
    store: TimerStore,
) -> None:
    handler, clock = Recorder(), Clock()
    await store.schedule("r1", CHECK, START + 60, {"day": "2026-12-02"})
    await store.schedule("r1", CHECK, START + 600, {"day": "2026-12-03"})
    timers = worker(store, handler, clock)
    clock.advance(60)
    assert await timers.run_once() == 0
    clock.advance(540)
    assert await timers.run_once() == 1
    assert [e.payload for e in handler.seen] == [{"day": "2026-12-03"}]


async def test_pending_events_fire_after_a_restart(
    redis_url: str, store: TimerStore, key_prefix: str
) -> None:
    await store.schedule("c1", CHECK, START + 60, {"reference": "SUB-1"})
    handler, clock = Recorder(), Clock(START + 61)
    fresh = aioredis.from_url(redis_url)  # a new process: new client, store and worker
    try:
        timers = worker(TimerStore(fresh, KeyBuilder(key_prefix)), handler, clock)
        assert await timers.run_once() == 1
    finally:
        await fresh.aclose()
    assert handler.calls == {"c1": 1}


async def test_an_event_whose_worker_died_is_reclaimed_after_its_lease(
    store: TimerStore,
) -> None:
    handler, clock = Recorder(), Clock()
    await store.schedule("c1", CHECK, START, {"reference": "SUB-1"})
    [orphan] = await store.claim(clock(), 10, 60)  # a worker claimed it, then died
    timers = worker(store, handler, clock, lease_s=60)
    clock.advance(59)
    assert await timers.run_once() == 0  # the lease still holds
    clock.advance(1)
    assert await timers.run_once() == 1
    assert handler.calls == {"c1": 1}
    assert (handler.seen[0].attempt, handler.seen[0].last_error) == (1, "LeaseExpired")
    assert await store.done(orphan) is False  # had it come back, it could not ack
    assert await store.pending() == []


async def test_a_handler_that_acted_before_its_worker_died_runs_again_with_the_same_id(
    store: TimerStore,
) -> None:
    """The at-least-once window: the effect happened, the ack did not. An idempotent handler
    (keyed on the event id) makes the second run a no-op."""
    told: set[str] = set()
    calls = Counter[str]()

    async def tell_founder(event: TimedEvent) -> None:
        calls[event.id] += 1
        told.add(event.id)

    clock = Clock()
    await store.schedule("c1", CHECK, START, {"reference": "SUB-1"})
    [claimed] = await store.claim(clock(), 10, 60)
    await tell_founder(claimed)  # ... and the process was killed before `done`
    clock.advance(60)
    assert await TimerWorker(store, {CHECK: tell_founder}, clock=clock).run_once() == 1
    assert calls == {"c1": 2}
    assert told == {"c1"}


async def test_a_failing_handler_is_retried_with_backoff_then_dead_lettered(
    store: TimerStore, caplog: pytest.LogCaptureFixture
) -> None:
    handler, clock = Recorder(failures=99), Clock()
    await store.schedule("c1", CHECK, START, {"reference": SECRET})
    timers = worker(store, handler, clock, max_attempts=4, base_delay_s=10)
    with caplog.at_level(logging.DEBUG):
        for delay in (10, 20, 40):
            assert await timers.run_once() == 1
            clock.advance(delay - 0.01)
            assert await timers.run_once() == 0
            clock.advance(0.01)
        assert await timers.run_once() == 1
    assert handler.calls == {"c1": 4}
    assert await store.pending() == []
    dead = await store.dead_letters()
    assert dead["c1"]["reason"] == "gave up after 4 attempts: RuntimeError"
    assert dead["c1"]["attempts"] == 4
    assert "c1" in caplog.text and "RuntimeError" in caplog.text
    assert SECRET not in caplog.text
    assert "dead-lettered" in caplog.text


async def test_an_unknown_kind_is_retried_then_dead_lettered(store: TimerStore) -> None:
    handler, clock = Recorder(), Clock()
    await store.schedule("a1", "policy-announcement", START, {"announcement": "2026-q4"})
    timers = worker(store, handler, clock, max_attempts=2, base_delay_s=5)
    assert await timers.run_once() == 1
    assert [e.attempt for e in await store.pending()] == [1]
    clock.advance(5)
    assert await timers.run_once() == 1
    assert handler.calls == {}
    reason = (await store.dead_letters())["a1"]["reason"]
    assert reason == "gave up after 2 attempts: UnknownKind"


async def test_a_retry_that_succeeds_is_acked(store: TimerStore) -> None:
    handler, clock = Recorder(failures=1), Clock()
    await store.schedule("c1", CHECK, START, {})
    timers = worker(store, handler, clock, base_delay_s=10)
    await timers.run_once()
    clock.advance(10)
    assert await timers.run_once() == 1
    assert [e.attempt for e in handler.seen] == [0, 1]
    assert await store.pending() == [] and await store.dead_letters() == {}


async def test_an_event_whose_workers_keep_dying_is_dead_lettered(store: TimerStore) -> None:
    handler, clock = Recorder(), Clock()
    await store.schedule("c1", CHECK, START, {})
    for _ in range(3):  # three workers in turn claim it and die
        await store.reclaim(clock(), 10)
        await store.claim(clock(), 10, 60)
        clock.advance(60)
    assert await worker(store, handler, clock, max_attempts=3).run_once() == 1
    assert handler.calls == {}
    assert (await store.dead_letters())["c1"]["reason"] == "gave up after 3 attempts: LeaseExpired"


async def test_run_fires_until_stopped(store: TimerStore) -> None:
    stop = asyncio.Event()

    async def last(event: TimedEvent) -> None:
        stop.set()

    await store.schedule("c1", "stop", START, {})
    await asyncio.wait_for(TimerWorker(store, {"stop": last}, clock=Clock()).run(stop), 10)
    assert await store.pending() == []


def test_a_bad_kind_in_the_handlers_stops_start_up(store: TimerStore) -> None:
    with pytest.raises(ValueError, match="bad timed event kind"):
        TimerWorker(store, {"two words": Recorder()})


async def test_the_app_builds_a_timer_worker_over_its_redis_and_prefix(
    redis_url: str, redis: aioredis.Redis, key_prefix: str
) -> None:
    app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)
    handler = Recorder()
    app.timer_handlers = {CHECK: handler}
    await app.timer_store.schedule("c1", CHECK, 0, {})
    assert await app.timers(name="t").run_once() == 1
    assert handler.calls == {"c1": 1}
    assert await redis.exists(f"{key_prefix}:v2:{{timers}}:due") == 0


DEAD_REASON = "gave up after 5 attempts: RuntimeError"


async def test_timers_list_shows_each_event_without_its_payload(
    store: TimerStore, redis_url: str, key_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(redis_url=redis_url, redis_prefix=key_prefix)
    assert await ops.main(["timers", "list"], settings) == 0
    assert capsys.readouterr().out == "no timed events\n"
    await store.schedule("c1", CHECK, START, {"reference": SECRET})
    await store.schedule("c2", CHECK, START + 86_400, {})
    [claimed] = await store.claim(START, 1, 60)
    await store.dead(claimed, DEAD_REASON, attempts=5, at=START)
    await store.schedule("c3", CHECK, START, {})
    await store.claim(START, 1, 60)
    assert await ops.main(["timers", "list"], settings) == 0
    assert capsys.readouterr().out.splitlines() == [
        "c2  complaint-overdue  scheduled  2026-09-22 14:13:20Z  0",
        "c3  complaint-overdue  in-flight  2026-09-21 14:13:20Z  0",
        "c1  complaint-overdue  dead  2026-09-21 14:13:20Z  5  " + DEAD_REASON,
    ]


@pytest.mark.parametrize("process", ["worker", "embedded"])
async def test_the_worker_processes_fire_timed_events(
    redis_url: str, redis: aioredis.Redis, key_prefix: str, process: str
) -> None:
    """`python -m bot worker` and the bot's embedded worker run the timer worker beside the
    outbox worker."""
    app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)
    await app.outbox.ensure_group()
    fired = asyncio.Event()

    async def fire(event: TimedEvent) -> None:
        fired.set()

    app.timer_handlers = {CHECK: fire}
    await app.timer_store.schedule("c1", CHECK, 0, {})
    if process == "worker":
        stop = asyncio.Event()
        running = asyncio.create_task(run_worker(app, stop))
        await asyncio.wait_for(fired.wait(), 10)
        stop.set()
        await asyncio.wait_for(running, 10)
    else:
        async with embedded_worker(app):
            await asyncio.wait_for(fired.wait(), 10)
    assert await app.timer_store.pending() == []


async def test_a_redis_outage_is_logged_and_waited_out(
    tmp_path: Path, key_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    gone = aioredis.from_url(f"unix://{tmp_path / 'no-redis.sock'}")
    stop = asyncio.Event()

    def clock() -> float:
        stop.set()  # this pass is the last
        return START

    timers = TimerWorker(TimerStore(gone, KeyBuilder(key_prefix)), {}, clock=clock, name="t")
    try:
        with caplog.at_level(logging.WARNING):
            await asyncio.wait_for(timers.run(stop), 10)
    finally:
        await gone.aclose()
    assert "timer worker t: storage error StorageUnavailable" in caplog.text
