"""The subscribers' index against a real Redis: kept in step by `sync` (idempotent, retried
after a failure), read by audience, the founder's prefs as the truth before each send, the
broadcaster's opt-out marker voiding older opt-ins only, and erasure removing the founder."""

from __future__ import annotations

import json

import redis.asyncio as aioredis
from test_founder_store import make_store

from flows.engine.address import Address
from flows.engine.audience import Audience, Subscriber
from flows.engine.draft import FounderState
from storage.founders import FounderStore
from storage.keys import shard_of

T = Address.telegram
F = frozenset


async def founder(
    store: FounderStore,
    user: int,
    *,
    subscribed: bool = True,
    topics: tuple[str, ...] = (),
    profile: dict[str, object] | None = None,
    since: float = 100.0,
) -> FounderState:
    """A founder's turn committed with these prefs and profile, then synced as the service does."""
    turn = await store.begin(T(user))
    assert turn is not None
    prefs = turn.state.prefs
    prefs.lang, prefs.subscribed, prefs.topics, prefs.since = "en", subscribed, list(topics), since
    turn.state.profile = dict(profile or {})
    turn.state.touch("prefs")
    turn.state.touch("profile")
    await store.commit(turn)
    assert await store.subscribers.sync(turn.state)
    return turn.state


PUDONG_IT = {"district": "pudong", "industry": "software_it", "size": "small", "staff": 25}


async def test_sync_writes_the_line_and_drops_it_on_opt_out(redis, key_prefix):
    store = make_store(redis, key_prefix)
    state = await founder(store, 1, topics=("tax",), profile=PUDONG_IT)
    line = await store.subscribers.get(T(1))
    assert line == Subscriber(T(1), "en", "pudong", "software_it", "small", F({"tax"}))
    raw = await redis.hget(store.keys.subscribers(shard_of("1")), "telegram:1")
    assert "staff" not in json.loads(raw)  # only what targeting needs
    assert await store.subscribers.sync(state)  # again: the same line
    assert await redis.hlen(store.keys.subscribers(shard_of("1"))) == 1
    state.prefs.subscribed = False
    assert await store.subscribers.sync(state)
    assert await store.subscribers.get(T(1)) is None
    assert await store.subscribers.sync(state)  # idempotent


async def test_count_and_scan_by_audience(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await founder(store, 1, topics=("tax",), profile=PUDONG_IT)
    await founder(store, 2, profile={"district": "jingan"})
    await founder(store, 3)  # no profile, every topic
    await founder(store, 4, subscribed=False, profile=PUDONG_IT)
    subs = store.subscribers

    async def reached(audience: Audience) -> set[str]:
        return {s.address.id async for s in subs.scan(audience)}

    assert await reached(Audience()) == {"1", "2", "3"} and await subs.count(Audience()) == 3
    assert await reached(Audience(districts=F({"pudong"}))) == {"1"}
    assert await reached(Audience(topics=F({"financing"}))) == {"2", "3"}
    assert await reached(Audience(sizes=F({"small"}), topics=F({"tax"}))) == {"1"}
    assert await subs.count(Audience(industries=F({"retail"}))) == 0
    await redis.hset(subs.keys.subscribers(shard_of("9")), "telegram:9", b"not json")
    assert await subs.count(Audience()) == 3  # a broken line is skipped, logged


async def test_is_subscribed_reads_the_prefs_and_the_marker(redis, key_prefix):
    store = make_store(redis, key_prefix)
    subs = store.subscribers
    assert not await subs.is_subscribed(T(5))  # nobody
    await founder(store, 5, since=100.0)
    assert await subs.is_subscribed(T(5))
    await subs.unsubscribe(T(5), now=200.0)  # blocked the bot
    assert not await subs.is_subscribed(T(5)) and await subs.get(T(5)) is None
    marker = store.keys.founder(T(5), "optout")
    assert await redis.pttl(marker) > 0  # it expires, after the prefs' year
    state = await founder(store, 5, since=150.0)  # a sync of an opt-in older than the marker
    assert not await subs.is_subscribed(T(5)) and await subs.get(T(5)) is None
    state = await founder(store, 5, since=300.0)  # opted in again after it
    assert await subs.is_subscribed(T(5)) and await subs.get(T(5)) is not None
    assert not await redis.exists(marker)  # the sync cleared the void marker
    state.prefs.subscribed = False
    turn = await store.begin(T(5))
    assert turn is not None
    turn.state.prefs.subscribed = False
    turn.state.touch("prefs")
    await store.commit(turn)  # opted out in their turn: immediate, whatever the index says
    assert not await subs.is_subscribed(T(5))


async def test_a_failed_sync_is_kept_for_the_next(key_prefix):
    client = aioredis.from_url("redis://127.0.0.1:1")  # nothing listens there
    store = make_store(client, key_prefix)
    state = FounderState(founder=T(6))
    state.prefs.subscribed = True
    assert not await store.subscribers.sync(state)
    assert T(6) in store.subscribers.pending
    await client.aclose()


async def test_erasure_removes_the_founder_from_the_index(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await founder(store, 7, profile=PUDONG_IT)
    await store.subscribers.unsubscribe(T(7), now=50.0)
    await founder(store, 7, since=60.0, profile=PUDONG_IT)
    await store.subscribers.unsubscribe(T(7), now=70.0)
    await founder(store, 7, since=80.0, profile=PUDONG_IT)
    await store.subscribers.unsubscribe(T(7), now=90.0)  # a marker left to erase
    await founder(store, 8)
    await store.subscribers.unsubscribe(T(8), now=50.0)
    await founder(store, 8, since=60.0)
    turn = await store.begin(T(7))
    assert turn is not None
    await store.privacy.erase(T(7), turn.token, [])
    assert await store.subscribers.get(T(7)) is None
    assert not await redis.exists(store.keys.founder(T(7), "optout"))
    assert not await store.subscribers.is_subscribed(T(7))
    assert {s.address async for s in store.subscribers.scan(Audience())} == {T(8)}
