"""Roles in storage, against a real Redis: grants and revokes write the member's record, the
index and the audit stream together; the founder's BEGIN reads the grants in its one round
trip and its COMMIT never writes them; an erased member's index line is ignored and pruned."""

from __future__ import annotations

import asyncio
import json

import pytest
from test_founder_store import make_store

from flows.engine.address import Address
from storage.keys import KeyBuilder, shard_of
from storage.roles import COMMISSIONER, STAFF, RoleStore

T = Address.telegram
ADMIN, MEMBER, OTHER = T(4242), T(7_001), T(7_002)


class Clock:
    def __init__(self, now: float = 1_796_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def roles(redis, key_prefix) -> RoleStore:
    return RoleStore(redis, KeyBuilder(key_prefix), clock=Clock())


async def test_a_grant_writes_the_record_the_index_and_the_audit_stream(roles, redis, key_prefix):
    grant = await roles.grant(MEMBER, COMMISSIONER, ADMIN, districts=["pudong", "xuhui"])
    assert grant.districts == ("pudong", "xuhui") and grant.by == "telegram:4242"
    mine = await roles.of(MEMBER)
    assert mine == {COMMISSIONER: grant}
    keys = KeyBuilder(key_prefix)
    record = json.loads(await redis.get(keys.founder(MEMBER, "roles")))
    assert record == {
        COMMISSIONER: {"by": "telegram:4242", "at": 1_796_000_000, "districts": ["pudong", "xuhui"]}
    }
    index = keys.roles(shard_of(MEMBER.key))  # beside the member's record, in one slot
    assert json.loads(await redis.hget(index, "telegram:7001")) == record
    [entry] = await roles.log(5)
    assert {k: v for k, v in entry.items() if k != "id"} == {
        "action": "grant",
        "role": COMMISSIONER,
        "member": "telegram:7001",
        "by": "telegram:4242",
        "at": "1796000000",
        "districts": "pudong,xuhui",
        "agency": "",
    }


async def test_both_roles_revoke_one_then_the_other(roles, redis, key_prefix):
    await roles.grant(MEMBER, COMMISSIONER, ADMIN)  # all districts: no list kept
    await roles.grant(MEMBER, STAFF, ADMIN, agency="hrss")
    assert set(await roles.of(MEMBER)) == {COMMISSIONER, STAFF}
    assert (await roles.of(MEMBER))[COMMISSIONER].districts == ()
    assert await roles.revoke(MEMBER, COMMISSIONER, ADMIN) is True
    assert set(await roles.of(MEMBER)) == {STAFF}
    assert [h.member for h in await roles.members(COMMISSIONER)] == []
    assert [(h.member, h.grant.agency) for h in await roles.members(STAFF)] == [(MEMBER, "hrss")]
    assert await roles.revoke(MEMBER, COMMISSIONER, ADMIN) is False  # not held: not recorded
    assert await roles.revoke(MEMBER, STAFF, T(4243)) is True
    keys = KeyBuilder(key_prefix)
    index = keys.roles(shard_of(MEMBER.key))
    assert await redis.exists(keys.founder(MEMBER, "roles"), index) == 0
    log = await roles.log(10)
    assert [(e["action"], e["role"], e["by"]) for e in log] == [
        ("revoke", STAFF, "telegram:4243"),
        ("revoke", COMMISSIONER, "telegram:4242"),
        ("grant", STAFF, "telegram:4242"),
        ("grant", COMMISSIONER, "telegram:4242"),
    ]
    assert log[0]["agency"] == "hrss"  # a revoke records what it took away


async def test_concurrent_grants_lose_none(roles):
    members = [T(8_000 + i) for i in range(20)]
    await asyncio.gather(
        *(roles.grant(m, COMMISSIONER, ADMIN, districts=["jingan"]) for m in members),
        *(roles.grant(m, STAFF, ADMIN, agency="tax") for m in members),
    )
    for member in members:
        assert set(await roles.of(member)) == {COMMISSIONER, STAFF}
    assert len(await roles.members()) == 40 and len(await roles.log(100)) == 40


@pytest.mark.parametrize(
    ("role", "options"),
    [("admin", {}), (STAFF, {}), (COMMISSIONER, {"districts": ["atlantis"]})],
)
async def test_a_bad_grant_writes_nothing(roles, role, options):
    with pytest.raises(ValueError):
        await roles.grant(MEMBER, role, ADMIN, **options)
    assert await roles.of(MEMBER) == {} and await roles.log() == []


@pytest.mark.one_redis("counts the commands sent through one server's connection pool")
async def test_begin_reads_the_grants_in_its_one_round_trip_and_commit_never_writes_them(
    connect, key_prefix
):
    client = connect()
    sent: list[bytes] = []
    base = client.connection_pool.connection_class

    class Counting(base):  # type: ignore[misc, valid-type]
        async def send_packed_command(self, command, check_health=True):
            sent.append(command if isinstance(command, bytes) else b"".join(command))
            return await super().send_packed_command(command, check_health)

    client.connection_pool.connection_class = Counting
    try:
        store = make_store(client, key_prefix)
        roles = RoleStore(client, KeyBuilder(key_prefix))
        await roles.grant(MEMBER, COMMISSIONER, ADMIN, districts=["pudong"])
        turn = await store.begin(MEMBER)  # warm: the script is loaded
        assert turn is not None
        await store.commit(turn)
        sent.clear()
        turn = await store.begin(MEMBER)
        assert turn is not None and len(sent) == 1 and b"EVALSHA" in sent[0]
        assert turn.state.roles[COMMISSIONER]["districts"] == ["pudong"]
        turn.state.roles.clear()
        turn.state.touch("roles")  # even asked to, the turn does not write them
        turn.state.prefs.lang = "en"
        turn.state.touch("prefs")
        await store.commit(turn)
        assert set(await roles.of(MEMBER)) == {COMMISSIONER}
        assert (await store.peek(MEMBER)).roles[COMMISSIONER]["by"] == "telegram:4242"
    finally:
        await client.aclose()


async def test_erasure_takes_the_roles_and_the_listing_follows(roles, redis, key_prefix):
    store = make_store(redis, key_prefix)
    await roles.grant(MEMBER, STAFF, ADMIN, agency="hrss")
    await roles.grant(OTHER, COMMISSIONER, ADMIN)
    turn = await store.begin(MEMBER)
    assert turn is not None
    await store.privacy.erase(MEMBER, turn.token, [])
    assert await roles.of(MEMBER) == {}
    assert [h.member for h in await roles.members()] == [OTHER]
    keys = KeyBuilder(key_prefix)
    index = keys.roles(shard_of(MEMBER.key))  # the member's shard's index
    assert not await redis.hexists(index, "telegram:7001")  # the stale line pruned
    assert len(await roles.log()) == 2  # the audit trail of admins' acts stays
    await roles.grant(MEMBER, COMMISSIONER, ADMIN)  # granted again afterwards: listed again
    assert {h.member for h in await roles.members()} == {MEMBER, OTHER}
