"""The timed events' store against a real Redis: schedule, claim, leases, ack, cancel."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from redis.crc import key_slot

from storage.keys import KeyBuilder
from storage.timers import PayloadTooLarge, TimedEvent, TimerStore

NOW = 1_790_000_000.0
CHECK = "complaint-overdue"


@pytest.fixture
def store(redis: aioredis.Redis, key_prefix: str) -> TimerStore:
    return TimerStore(redis, KeyBuilder(key_prefix))


async def keys_of(store: TimerStore) -> list[str]:
    """Every key under the test's prefix."""
    return [k.decode() async for k in store.redis.scan_iter(match=f"{store.keys.prefix}:*")]


async def claim_one(store: TimerStore, now: float, lease_s: float = 60) -> TimedEvent:
    [event] = await store.claim(now, 10, lease_s)
    return event


async def test_an_event_is_claimed_once_it_is_due_and_only_once(store: TimerStore) -> None:
    payload = {"reference": "SUB-20261201-AB12", "office": "xuhui-sme-centre"}
    assert await store.schedule("c1", CHECK, NOW + 60, payload) is False
    assert await store.claim(NOW + 59.999, 10, 30) == []
    event = await claim_one(store, NOW + 60, lease_s=30)
    assert (event.id, event.kind, event.due_at, event.payload) == ("c1", CHECK, NOW + 60, payload)
    assert (event.attempt, event.leased_until) == (0, NOW + 90)
    assert event.token
    assert await store.claim(NOW + 61, 10, 30) == []  # in flight: nobody else gets it
    assert await store.get("c1") == event
    assert await store.done(event) is True
    assert await store.get("c1") is None
    assert await store.done(event) is False


async def test_the_earliest_due_events_are_claimed_first_up_to_the_limit(
    store: TimerStore,
) -> None:
    for i, offset in enumerate([30, 10, 20, 40]):
        await store.schedule(f"e{i}", CHECK, NOW + offset, {})
    assert [e.id for e in await store.claim(NOW + 35, 2, 60)] == ["e1", "e2"]
    assert [e.id for e in await store.claim(NOW + 36, 2, 60)] == ["e0"]
    # scheduled by due time, then in flight by when their lease runs out
    assert [e.id for e in await store.pending()] == ["e3", "e1", "e2", "e0"]


async def test_scheduling_an_id_again_replaces_its_time_and_payload(store: TimerStore) -> None:
    await store.schedule("r1", "credit-reminder", NOW + 10, {"n": 1})
    assert await store.schedule("r1", "credit-reminder", NOW + 100, {"n": 2}) is True
    assert await store.claim(NOW + 50, 10, 60) == []
    event = await claim_one(store, NOW + 100)
    assert event.payload == {"n": 2}
    assert len(await store.pending()) == 1


async def test_rescheduling_an_event_in_flight_voids_that_claim(store: TimerStore) -> None:
    await store.schedule("r1", CHECK, NOW, {"n": 1})
    old = await claim_one(store, NOW)
    assert await store.schedule("r1", CHECK, NOW + 5, {"n": 2}) is True
    assert await store.done(old) is False
    assert await store.release(old, NOW, "Boom") is False
    assert await store.dead(old, "late", attempts=1, at=NOW) is False
    new = await claim_one(store, NOW + 5)
    assert (new.payload, new.attempt) == ({"n": 2}, 0)
    assert await store.done(new) is True


async def test_cancel_says_whether_there_was_an_event_to_cancel(store: TimerStore) -> None:
    await store.schedule("c1", CHECK, NOW, {})
    assert await store.cancel("c1") is True
    assert await store.claim(NOW + 3600, 10, 60) == []
    assert await store.cancel("c1") is False  # cancelled already
    assert await store.cancel("never-scheduled") is False
    await store.schedule("c2", CHECK, NOW, {})
    fired = await claim_one(store, NOW)
    await store.done(fired)
    assert await store.cancel("c2") is False  # fired already
    assert await keys_of(store) == []


async def test_cancelling_an_event_in_flight_voids_its_claim(store: TimerStore) -> None:
    await store.schedule("c1", CHECK, NOW, {})
    event = await claim_one(store, NOW)
    assert await store.cancel("c1") is True
    assert await store.done(event) is False
    assert await store.get("c1") is None


async def test_an_expired_lease_is_reclaimed_and_the_late_claim_cannot_ack(
    store: TimerStore,
) -> None:
    await store.schedule("c1", CHECK, NOW, {"reference": "SUB-1"})
    lost = await claim_one(store, NOW, lease_s=60)
    assert await store.reclaim(NOW + 59, 10) == []
    assert await store.reclaim(NOW + 60, 10) == ["c1"]
    assert await store.done(lost) is False
    again = await claim_one(store, NOW + 60)
    assert (again.attempt, again.last_error) == (1, "LeaseExpired")
    assert again.token != lost.token
    assert await store.done(again) is True


async def test_a_released_event_is_due_again_with_its_attempt_counted(store: TimerStore) -> None:
    await store.schedule("c1", CHECK, NOW, {})
    event = await claim_one(store, NOW)
    assert await store.release(event, NOW + 30, "RuntimeError") is True
    assert await store.claim(NOW + 29, 10, 60) == []
    again = await claim_one(store, NOW + 30)
    assert (again.attempt, again.last_error) == (1, "RuntimeError")


async def test_a_dead_event_is_kept_for_an_operator_until_scheduled_again(
    store: TimerStore,
) -> None:
    await store.schedule("c1", CHECK, NOW, {"reference": "SUB-1"})
    event = await claim_one(store, NOW)
    assert await store.dead(event, "gave up", attempts=5, at=NOW + 1) is True
    assert await store.pending() == []
    assert await store.cancel("c1") is False
    assert await store.dead_letters() == {
        "c1": {
            "kind": CHECK,
            "due_at": NOW,
            "payload": {"reference": "SUB-1"},
            "attempts": 5,
            "reason": "gave up",
            "dead_at": NOW + 1,
        }
    }
    await store.schedule("c1", CHECK, NOW + 10, {"reference": "SUB-1"})
    assert await store.dead_letters() == {}


async def test_payloads_come_back_exactly_as_scheduled(store: TimerStore) -> None:
    payload = {"ids": [], "nested": {"empty": {}}, "big": 2**60 + 1, "zh": "徐汇区", "x": 0.1}
    await store.schedule("p1", CHECK, NOW, payload)
    assert (await claim_one(store, NOW)).payload == payload


async def test_payloads_over_the_bound_or_bad_names_are_refused(
    redis: aioredis.Redis, key_prefix: str
) -> None:
    store = TimerStore(redis, KeyBuilder(key_prefix), max_payload_bytes=64)
    await store.schedule("p1", CHECK, NOW, {"k": "x" * 56})  # {"k":"…"} is 64 bytes
    with pytest.raises(PayloadTooLarge):
        await store.schedule("p2", CHECK, NOW, {"k": "x" * 57})
    with pytest.raises(PayloadTooLarge):
        await store.schedule("p2", CHECK, NOW, {"k": "徐" * 20})  # bytes, not characters
    with pytest.raises(TypeError):
        await store.schedule("p2", CHECK, NOW, ["not", "an", "object"])  # type: ignore[arg-type]
    for event_id, kind in [("", CHECK), ("a b", CHECK), ("x" * 129, CHECK), ("p2", "")]:
        with pytest.raises(ValueError, match="bad timed event"):
            await store.schedule(event_id, kind, NOW, {})
    assert [e.id for e in await store.pending()] == ["p1"]


async def test_pending_events_survive_a_new_store_on_a_new_connection(
    connect, redis: aioredis.Redis, key_prefix: str
) -> None:
    await TimerStore(redis, KeyBuilder(key_prefix)).schedule("c1", CHECK, NOW, {"n": 1})
    other = connect()
    await other.ping()  # as the bot does first (see conftest `connect`)
    try:
        event = await claim_one(TimerStore(other, KeyBuilder(key_prefix)), NOW)
        assert event.payload == {"n": 1}
    finally:
        await other.aclose()


async def test_every_key_of_the_store_is_in_one_cluster_slot(store: TimerStore) -> None:
    for i in range(3):
        await store.schedule(f"e{i}", CHECK, NOW, {})
    claimed = await store.claim(NOW, 2, 60)
    await store.dead(claimed[0], "x", attempts=1, at=NOW)
    keys = await keys_of(store)
    assert {k.rsplit(":", 1)[1] for k in keys} == {"due", "leases", "events", "state", "dead"}
    assert {key_slot(k.encode()) for k in keys} == {key_slot(b"{timers}")}
