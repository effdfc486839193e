"""The app's client on a real local Redis Cluster of three masters (tests/redis_cluster.py):
what the stores do there today, and the redis-py behaviours they rely on.

Every store's contract suite runs on the Cluster too (tests/storage/conftest.py); here, the
client `create_redis` builds and what the stores rely on of redis-py's cluster client.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import CrossSlotTransactionError, RedisClusterException

from bot.config import Settings
from bot.wiring import create_redis
from bot.workers.timers import TimerWorker
from flows.engine.address import Address
from flows.engine.draft import Draft
from storage.crypto import FieldCipher
from storage.founders import FounderStore
from storage.keys import KeyBuilder
from storage.redis_client import RedisClient
from storage.timers import TimedEvent, TimerStore

CIPHER = FieldCipher.from_keys([FieldCipher.generate_key()])
FLOWS = ("registration", "subsidy")
NOW = 1_790_000_000.0


@pytest.fixture
def prefix() -> str:
    return f"c{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def cluster(redis_cluster_url: str, prefix: str) -> AsyncIterator[RedisClient]:
    """The client `create_redis` builds from `redis-cluster://…`; the test's keys removed after."""
    client: RedisClient = create_redis(Settings(redis_url=redis_cluster_url))
    try:
        yield client
    finally:
        async for key in client.scan_iter(match=f"{prefix}:*", count=500):
            await client.delete(key)
        await client.aclose()


def store_on(client: RedisClient, prefix: str) -> FounderStore:
    return FounderStore(client, FLOWS, cipher=CIPHER, sensitive={"mobile"}, keys=KeyBuilder(prefix))


def test_the_cluster_url_and_the_setting_name_a_cluster(redis_cluster_url: str) -> None:
    seed = redis_cluster_url.replace("redis-cluster://", "redis://").split(",")[0]
    for settings in (
        Settings(redis_url=redis_cluster_url),
        Settings(redis_url=seed, redis_cluster=True),
    ):
        target = settings.redis_target()
        assert target.mode == "cluster" and target.describe().startswith("Redis Cluster: seed")


async def test_the_app_client_is_a_cluster_client_that_finds_every_master(
    cluster: RedisClient,
) -> None:
    assert isinstance(cluster, RedisCluster)
    assert await cluster.ping()
    assert len(cluster.get_primaries()) == 3


async def test_a_founder_turn_begins_reads_and_settles_on_the_cluster(
    cluster: RedisClient, prefix: str
) -> None:
    """Begin, peek, settle and release touch only the founder's `{founder}` keys."""
    store = store_on(cluster, prefix)
    founder = Address.telegram(42)
    turn = await store.begin(founder, update_id=7)
    assert turn is not None and turn.revision == "0" and turn.state.drafts == {}
    assert await store.settle(turn) is False  # never committed; the turn is ended
    turn = await store.begin(founder, update_id=7)
    assert turn is not None  # the line is free again
    await store.release(founder, turn.token)
    assert (await store.peek(founder)).drafts == {}  # MGET of one founder's keys: one slot


async def test_a_founder_turn_commits_a_draft_on_the_cluster(
    cluster: RedisClient, prefix: str
) -> None:
    store = store_on(cluster, prefix)
    founder = Address.telegram(43)
    turn = await store.begin(founder, update_id=7)
    assert turn is not None
    turn.state.put_draft(
        Draft(flow="registration", step="staff", answers={"mobile": "13812345678"})
    )
    assert await store.commit(turn) == "1"
    assert await store.begin(founder, update_id=7) is None  # the update was handled: a duplicate
    again = await store.begin(founder, update_id=8)
    assert again is not None and again.revision == "1"
    assert again.state.drafts["registration"].answers == {"mobile": "13812345678"}


async def test_scripts_unknown_to_a_node_are_loaded_again(
    cluster: RedisClient, prefix: str
) -> None:
    store = store_on(cluster, prefix)
    await cluster.script_flush()  # every primary forgets them (a restarted or new node)
    for number in range(6):  # founders spread over the nodes; begin writes their queue
        turn = await store.begin(Address.telegram(number))
        assert turn is not None
    found = [key async for key in cluster.scan_iter(match=f"{prefix}:*:queue")]
    assert len(found) == 6  # SCAN visits every primary
    slots = {cluster.keyslot(key) for key in found}
    nodes = {cluster.nodes_manager.get_node_from_slot(slot).name for slot in slots}
    assert len(nodes) > 1


async def test_a_timed_event_fires_once_between_two_workers(
    redis_cluster_url: str, cluster: RedisClient, prefix: str
) -> None:
    other = create_redis(Settings(redis_url=redis_cluster_url))
    fired: list[str] = []

    async def remind(event: TimedEvent) -> None:
        fired.append(event.id)

    try:
        keys = KeyBuilder(prefix)
        await TimerStore(cluster, keys).schedule("r1", "remind", NOW + 5, {"founder": "42"})
        workers = [
            TimerWorker(
                TimerStore(client, keys), {"remind": remind}, clock=lambda: NOW + 6, name=name
            )
            for client, name in ((cluster, "a"), (other, "b"))
        ]
        assert sum(await asyncio.gather(*(w.run_once() for w in workers))) == 1
        assert sum(await asyncio.gather(*(w.run_once() for w in workers))) == 0
        assert fired == ["r1"]
        assert await workers[0].store.get("r1") is None  # done: deleted
    finally:
        await other.aclose()


async def test_transactions_and_stream_reads_work_within_one_slot_only(
    cluster: RedisClient, prefix: str
) -> None:
    """What a store may rely on: MULTI and a blocking group read on keys of one slot; a
    transaction over two slots is refused before anything is sent."""
    stream = f"{prefix}:{{outbox}}:stream"
    async with cluster.pipeline(transaction=True) as pipe:
        pipe.xadd(stream, {"reference": "A"})
        pipe.set(f"{prefix}:{{outbox}}:marker", "1")
        await pipe.execute()
    await cluster.xgroup_create(stream, "workers", id="0")
    read = await cluster.xreadgroup("workers", "w1", {stream: ">"}, count=10, block=100)
    assert [fields for _, entries in read for _, fields in entries] == [{b"reference": b"A"}]
    assert await cluster.xreadgroup("workers", "w1", {stream: ">"}, count=10, block=100) == []
    with pytest.raises(CrossSlotTransactionError):
        async with cluster.pipeline(transaction=True) as pipe:
            pipe.set(f"{prefix}:{{a}}", "1")
            pipe.set(f"{prefix}:{{b}}", "1")
            await pipe.execute()
    with pytest.raises(RedisClusterException, match="same key slot"):
        await cluster.mget([f"{prefix}:{{a}}", f"{prefix}:{{b}}"])
