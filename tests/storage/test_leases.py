"""Leases sized to the turn, against a real Redis: a dead holder holds a founder's line about one
lease, a long turn keeps its place while its heartbeat runs, an update delivered again while
its first delivery runs is answered once; and a lease only one process holds (the poller's)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
import redis.asyncio as aioredis
from delay_proxy import DelayProxy
from test_founder_store import make_store

from flows.engine.address import Address
from flows.engine.draft import Draft
from storage.errors import TurnLost
from storage.keys import KeyBuilder
from storage.leases import SoleLease

T = Address.telegram
LEASE = timedelta(milliseconds=400)


async def test_a_dead_holder_blocks_the_next_update_about_one_lease(redis, key_prefix):
    dead, alive = make_store(redis, key_prefix, lease=LEASE), make_store(redis, key_prefix)
    assert await dead.begin(T(1), update_id=1) is not None  # begun, never committed: killed
    started = time.monotonic()
    turn = await alive.begin(T(1), update_id=2)  # another process, the founder's next update
    waited = time.monotonic() - started
    assert turn is not None
    assert 0.3 < waited < 4 * LEASE.total_seconds()  # held up by the lease, and not much more
    await alive.commit(turn)


async def slow_turn(store, founder, *, beating: bool, hold: float, begun=None) -> str:
    """Begin a turn, write a draft, take `hold` seconds (a slow step), commit; `begun` is set
    once the turn is held."""
    token = store.new_token()
    beat = store.heartbeat(founder, token) if beating else None
    if beat is not None:
        await beat.__aenter__()
    try:
        turn = await store.begin(founder, update_id=10, token=token)
        assert turn is not None
        if begun is not None:
            begun.set()
        turn.state.put_draft(Draft(flow="registration", step="slow", answers={"n": 1}))
        await asyncio.sleep(hold)
        return await store.commit(turn)
    finally:
        if beat is not None:
            await beat.__aexit__(None, None, None)


async def test_a_long_turn_keeps_its_place_while_its_heartbeat_runs(redis, key_prefix):
    holder, other = make_store(redis, key_prefix, lease=LEASE), make_store(redis, key_prefix)
    slow = asyncio.create_task(slow_turn(holder, T(2), beating=True, hold=5 * 0.4))
    await asyncio.sleep(0.1)
    after = asyncio.create_task(other.begin(T(2), update_id=11))
    assert await slow == "1"  # committed, not evicted, after five leases
    turn = await after
    assert turn is not None and turn.state.drafts["registration"].step == "slow"
    await other.commit(turn)


@pytest.mark.one_redis("the delay proxy forwards to one redis-server (redis_url)")
async def test_a_turn_on_a_slow_redis_keeps_its_place_while_its_heartbeat_runs(
    redis, redis_url, key_prefix
):
    async with DelayProxy(redis_url, 0.1) as far:  # the holder's Redis 100 ms away each way
        client = aioredis.from_url(far.url)
        try:
            holder = make_store(client, key_prefix, lease=timedelta(milliseconds=500))
            other = make_store(redis, key_prefix)
            begun = asyncio.Event()
            slow = asyncio.create_task(slow_turn(holder, T(6), beating=True, hold=2.0, begun=begun))
            await begun.wait()
            after = asyncio.create_task(other.begin(T(6), update_id=11))
            assert await slow == "1"  # four leases of a turn, each beat 200 ms on its way
            turn = await after
            assert turn is not None and turn.state.drafts["registration"].step == "slow"
            await other.commit(turn)
        finally:
            await client.aclose()


async def test_without_its_heartbeat_a_long_turn_is_evicted(redis, key_prefix):
    holder, other = make_store(redis, key_prefix, lease=LEASE), make_store(redis, key_prefix)
    slow = asyncio.create_task(slow_turn(holder, T(3), beating=False, hold=5 * 0.4))
    await asyncio.sleep(0.1)
    turn = await other.begin(T(3), update_id=11)
    assert turn is not None  # the line moved on after one lease
    await other.commit(turn)
    with pytest.raises(TurnLost):
        await slow


async def test_the_heartbeat_does_not_revive_an_ended_turn(redis, key_prefix):
    store = make_store(redis, key_prefix, lease=timedelta(milliseconds=150))
    token = store.new_token()
    async with store.heartbeat(T(4), token):
        turn = await store.begin(T(4), token=token)
        assert turn is not None
        await store.commit(turn)
        await asyncio.sleep(0.2)  # four beats after the commit
        assert not await redis.hexists(store.keys.founder(T(4), "leases"), token)
        assert await redis.llen(store.keys.founder(T(4), "queue")) == 0


async def test_a_redelivery_waiting_behind_its_first_delivery_is_answered_once(redis, key_prefix):
    first, again = make_store(redis, key_prefix), make_store(redis, key_prefix)
    turn = await first.begin(T(5), update_id=77)
    assert turn is not None
    redelivered = asyncio.create_task(again.begin(T(5), update_id=77))  # another process
    await asyncio.sleep(0.1)
    assert not redelivered.done()  # waits in line behind the first delivery
    turn.state.put_draft(Draft(flow="registration", step="s", answers={"n": 1}))
    await first.commit(turn)
    assert await redelivered is None  # recognised by its id: not applied a second time


async def test_a_sole_lease_has_one_holder_until_it_is_released_or_runs_out(redis, key_prefix):
    key = KeyBuilder(key_prefix).poller("123456")
    assert key == f"{key_prefix}:v2:{{poller}}:123456"
    first = SoleLease(redis, key, "first", ttl=0.3)
    second = SoleLease(redis, key, "second", ttl=0.3)
    assert await first.claim() is None
    async with first.kept():
        assert await second.claim(wait=0.6) == "first"  # kept alive past two leases
    assert await second.claim() is None  # released on the way out: taken at once
    assert await first.claim() == "second"
    started = time.monotonic()
    assert await first.claim(wait=2) is None  # "second" never beats: its lease runs out
    assert time.monotonic() - started < 2
    assert not await second.extend()  # the old holder learns it lost it


async def test_a_sole_lease_that_ran_out_unclaimed_is_taken_again_by_its_beat(redis, key_prefix):
    key = KeyBuilder(key_prefix).poller("654321")
    lease = SoleLease(redis, key, "only", ttl=0.2)
    assert await lease.claim() is None
    await asyncio.sleep(0.3)  # no beat got through (a stalled loop, a Redis blip): it ran out
    assert await lease.extend()
    assert await redis.get(key) == b"only"
