"""Contract suite for FounderStore, against a real Redis."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
import redis.asyncio as aioredis

from flows.engine.address import Address
from flows.engine.draft import Draft
from storage.crypto import FieldCipher
from storage.errors import DraftConflict, SealBroken, TurnLost, TurnTimeout
from storage.founders import FounderStore
from storage.keys import KeyBuilder, shard_of
from storage.packing import unpack

T = Address.telegram

FLOWS = ("registration", "subsidy")
SENSITIVE = frozenset({"id_number", "mobile"})
ID_NUMBER = "11010519491231002X"
MOBILE = "13812345678"
CIPHER = FieldCipher.from_keys([FieldCipher.generate_key()])


def make_store(redis: aioredis.Redis, prefix: str, **kwargs: object) -> FounderStore:
    options: dict[str, object] = {"cipher": CIPHER, "sensitive": SENSITIVE} | kwargs
    return FounderStore(redis, FLOWS, keys=KeyBuilder(prefix), **options)  # type: ignore[arg-type]


async def test_new_founder_starts_empty(redis, key_prefix):
    store = make_store(redis, key_prefix)
    turn = await store.begin(T(7), update_id=1)
    assert turn is not None
    assert turn.revision == "0" and turn.state.drafts == {} and turn.state.prefs.lang is None
    assert await store.commit(turn) == "0"  # nothing changed: revision stays


async def test_commit_writes_json_with_ttl_and_bumps_revision(redis, key_prefix):
    store = make_store(redis, key_prefix, draft_ttl=timedelta(days=30))
    turn = await store.begin(T(7))
    turn.state.prefs.lang = "en"
    turn.state.touch("prefs")
    turn.state.put_draft(
        Draft(flow="registration", step="industry", answers={"business_form": "llc"}, revision=1)
    )
    assert await store.commit(turn) == "1"
    key = store.keys.founder(T(7), "draft", "registration")
    raw = await redis.get(key)
    assert b'"business_form":"llc"' in raw
    ttl = await redis.pttl(key)
    assert timedelta(days=29) < timedelta(milliseconds=ttl) <= timedelta(days=30)
    state = await store.peek(T(7))
    assert state.prefs.lang == "en"
    assert state.drafts["registration"].step == "industry"
    assert state.drafts["registration"].answers == {"business_form": "llc"}


async def test_dropped_draft_is_deleted_and_other_records_survive(redis, key_prefix):
    store = make_store(redis, key_prefix)
    turn = await store.begin(T(8))
    turn.state.prefs.lang = "zh_CN"
    turn.state.touch("prefs")
    turn.state.put_draft(Draft(flow="subsidy", step="a"))
    await store.commit(turn)
    turn = await store.begin(T(8))
    turn.state.drop_draft("subsidy")
    await store.commit(turn)
    state = await store.peek(T(8))
    assert "subsidy" not in state.drafts and state.prefs.lang == "zh_CN"
    assert await redis.exists(store.keys.founder(T(8), "draft", "subsidy")) == 0


async def test_redelivered_update_is_handled_once(redis, key_prefix):
    store = make_store(redis, key_prefix)
    turn = await store.begin(T(9), update_id=555)
    assert turn is not None
    turn.state.put_draft(Draft(flow="registration", step="x"))
    await store.commit(turn)
    assert await store.begin(T(9), update_id=555) is None
    other = await store.begin(T(9), update_id=556)
    assert other is not None
    await store.commit(other)


async def test_stale_revision_is_refused(redis, key_prefix):
    store = make_store(redis, key_prefix)
    turn = await store.begin(T(10))
    await redis.incr(store.keys.founder(T(10), "rev"))  # someone wrote behind the queue's back
    turn.state.put_draft(Draft(flow="registration", step="x"))
    with pytest.raises(DraftConflict):
        await store.commit(turn)
    again = await store.begin(T(10), token=turn.token)  # keeps its place in the queue; reloads
    assert again is not None and again.revision == "1"
    await store.commit(again)


async def test_two_concurrent_writers_take_turns_in_arrival_order(redis, connect, key_prefix):
    second_client = connect()  # as if another bot process
    await second_client.ping()  # as the bot does first (see conftest `connect`)
    stores = [make_store(redis, key_prefix), make_store(second_client, key_prefix)]
    order: list[str] = []
    first_holds = asyncio.Event()

    async def writer(store: FounderStore, name: str, hold: bool) -> None:
        turn = await store.begin(T(11))
        assert turn is not None
        if hold:
            first_holds.set()
            await asyncio.sleep(0.2)  # the other writer arrives meanwhile and must wait
        draft = turn.state.drafts.get("registration") or Draft(flow="registration", step="s")
        draft.answers[name] = len(draft.answers)
        turn.state.put_draft(draft)
        order.append(name)
        await store.commit(turn)

    first = asyncio.create_task(writer(stores[0], "first", True))
    await first_holds.wait()
    await asyncio.gather(first, writer(stores[1], "second", False))
    await second_client.aclose()
    assert order == ["first", "second"]
    state = await stores[0].peek(T(11))
    assert state.drafts["registration"].answers == {"first": 0, "second": 1}


async def test_many_concurrent_updates_lose_nothing(redis, key_prefix):
    store = make_store(redis, key_prefix)

    async def add(i: int) -> None:
        turn = await store.begin(T(12), update_id=1000 + i)
        assert turn is not None
        draft = turn.state.drafts.get("registration") or Draft(flow="registration", step="s")
        draft.answers[str(i)] = i
        turn.state.put_draft(draft)
        await store.commit(turn)

    await asyncio.gather(*(add(i) for i in range(30)))
    state = await store.peek(T(12))
    assert len(state.drafts["registration"].answers) == 30


async def test_dead_holder_is_evicted_after_its_lease(redis, key_prefix):
    store = make_store(redis, key_prefix, lease=timedelta(milliseconds=200))
    dead = await store.begin(T(13))  # never commits: its process died
    assert dead is not None
    turn = await store.begin(T(13))
    assert turn is not None and turn.token != dead.token
    await store.commit(turn)


async def test_waiting_too_long_raises(redis, key_prefix):
    store = make_store(
        redis, key_prefix, lease=timedelta(seconds=30), max_wait=timedelta(milliseconds=100)
    )
    holder = await store.begin(T(14))
    assert holder is not None
    with pytest.raises(TurnTimeout):
        await store.begin(T(14))
    await store.release(T(14), holder.token)
    assert await store.begin(T(14)) is not None


def test_keys_are_versioned_and_checked():
    keys = KeyBuilder("smebot")
    shard = shard_of("42")  # a founder's keys share their shard's hash tag (storage.keys)
    assert (
        keys.founder(T(42), "draft", "registration")
        == f"smebot:v2:f:{{{shard}}}:42:draft:registration"
    )
    with pytest.raises(ValueError):
        keys.founder(T(42), "bad:part")
    with pytest.raises(ValueError):
        KeyBuilder("a:b")


def test_a_founder_on_another_channel_has_keys_no_telegram_id_can_share():
    keys = KeyBuilder("smebot")
    local = keys.founder(Address("local", "42"), "prefs")
    assert local == f"smebot:v2:f:{{{shard_of('local.42')}}}:local.42:prefs"
    assert local != keys.founder(T(42), "prefs")
    assert keys.staff(T(42), "pending") == f"smebot:v2:staff:{{{shard_of('42')}}}:42:pending"
    for bad in (("Telegram", "1"), ("web", "a:b"), ("web", ""), ("web", "{x}")):
        with pytest.raises(ValueError):
            Address(*bad)


async def raw_values(redis: aioredis.Redis, prefix: str) -> list[bytes]:
    """Every string value under the test's prefix, as stored (a packed one unpacked)."""
    values = []
    async for key in redis.scan_iter(match=f"{prefix}:*"):
        if await redis.type(key) == b"string":
            stored = await redis.get(key)
            values.append(unpack(stored).encode() if stored[:1] == b"\x78" else stored)
    return values


async def test_sensitive_answers_are_sealed_at_rest_and_open_on_read(redis, key_prefix):
    store = make_store(redis, key_prefix)
    turn = await store.begin(T(20))
    answers = {"id_number": ID_NUMBER, "mobile": MOBILE, "name": "张三", "mobile_ok": ""}
    turn.state.put_draft(Draft(flow="registration", step="summary", answers=dict(answers)))
    turn.state.profile = {"mobile": MOBILE, "district": "310104"}
    turn.state.touch("profile")
    await store.commit(turn)
    raw = await redis.get(store.keys.founder(T(20), "draft", "registration"))
    assert b"$enc" in raw and "张三".encode() in raw
    for value in await raw_values(redis, key_prefix):
        assert ID_NUMBER[:17].encode() not in value and MOBILE.encode() not in value
    again = await store.begin(T(20))
    assert again is not None
    assert again.state.drafts["registration"].answers == answers
    assert again.state.profile == {"mobile": MOBILE, "district": "310104"}
    await store.release(T(20), again.token)


async def test_scratch_and_other_answers_are_left_plain(redis, key_prefix):
    store = make_store(redis, key_prefix)
    turn = await store.begin(T(21))
    draft = Draft(flow="subsidy", step="a", answers={"mobile": ["not", "a", "str"], "x": 1})
    draft.scratch = {"groups": ["youth"]}
    turn.state.put_draft(draft)
    await store.commit(turn)
    raw = await redis.get(store.keys.founder(T(21), "draft", "subsidy"))
    assert b"$enc" not in raw
    assert (await store.peek(T(21))).drafts["subsidy"].scratch == {"groups": ["youth"]}


async def test_drafts_sealed_with_a_retired_key_still_open_after_rotation(redis, key_prefix):
    old, new = FieldCipher.generate_key(), FieldCipher.generate_key()
    before = make_store(redis, key_prefix, cipher=FieldCipher.from_keys([old]))
    turn = await before.begin(T(22))
    turn.state.put_draft(Draft(flow="registration", step="s", answers={"id_number": ID_NUMBER}))
    await before.commit(turn)
    after = make_store(redis, key_prefix, cipher=FieldCipher.from_keys([new, old]))
    assert (await after.peek(T(22))).drafts["registration"].answers["id_number"] == ID_NUMBER


async def test_a_draft_no_key_opens_raises_and_frees_the_turn(redis, key_prefix):
    store = make_store(redis, key_prefix)
    turn = await store.begin(T(23))
    turn.state.put_draft(Draft(flow="registration", step="s", answers={"mobile": MOBILE}))
    await store.commit(turn)
    stranger = make_store(
        redis, key_prefix, cipher=FieldCipher.from_keys([FieldCipher.generate_key()])
    )
    with pytest.raises(SealBroken):
        await stranger.begin(T(23))
    assert await redis.llen(store.keys.founder(T(23), "queue")) == 0  # nobody waits on a dead turn


async def test_a_settled_commit_that_arrives_late_writes_nothing(redis, key_prefix):
    """The client gave up on a commit's reply and settled it: not landed, so the turn is
    taken away, and the commit reaching Redis afterwards (it was still in a socket) is refused."""
    store = make_store(redis, key_prefix)
    turn = await store.begin(T(12), update_id=5)
    assert turn is not None
    turn.state.put_draft(Draft(flow="registration", step="industry", answers={"a": 1}))
    assert await store.settle(turn) is False
    with pytest.raises(TurnLost):
        await store.commit(turn)
    assert (await store.peek(T(12))).drafts == {}
    again = await store.begin(T(12), update_id=5, token=turn.token)  # not handled: applies again
    assert again is not None


async def test_a_commit_that_landed_settles_as_landed(redis, key_prefix):
    store = make_store(redis, key_prefix)
    turn = await store.begin(T(13), update_id=6)
    assert turn is not None
    turn.state.put_draft(Draft(flow="registration", step="industry", answers={"a": 1}))
    await store.commit(turn)
    assert await store.settle(turn) is True
    assert await store.begin(T(13), update_id=6) is None  # handled: not applied twice


async def test_a_long_draft_is_stored_compressed_and_an_old_plain_one_still_reads(
    redis, key_prefix
):
    store = make_store(redis, key_prefix)
    turn = await store.begin(T(22))
    assert turn is not None
    long = Draft(
        flow="subsidy", step="a", answers={"note": "申请说明" * 400, "id_number": ID_NUMBER}
    )
    turn.state.put_draft(long)
    await store.commit(turn)
    key = store.keys.founder(T(22), "draft", "subsidy")
    raw = await redis.get(key)
    assert raw[:1] == b"\x78" and len(raw) < 1024  # zlib: 4,800 bytes of text packed small
    assert ID_NUMBER.encode() not in unpack(raw).encode()  # sealed before it was packed
    assert (await store.peek(T(22))).drafts["subsidy"].answers["note"] == "申请说明" * 400
    plain = json.dumps({"flow": "subsidy", "step": "b", "answers": {"x": 1}})  # written before
    await redis.set(key, plain)
    assert (await store.peek(T(22))).drafts["subsidy"].step == "b"


async def sealed_mobile(store: FounderStore, founder: Address) -> str:
    """The Fernet token the founder's registration draft holds for their mobile."""
    raw = await store.redis.get(store.keys.founder(founder, "draft", "registration"))
    return json.loads(unpack(raw))["answers"]["mobile"]["$enc"]


@pytest.mark.parametrize("cache_size", [0, 8])
async def test_an_unchanged_sealed_answer_is_written_back_as_it_was(redis, key_prefix, cache_size):
    """Saving a draft again does not encrypt its unchanged sealed answers again (a fresh token
    each time would cost random bytes, AES and a MAC per answer per step); a founder's token is
    their own: another founder with the same mobile gets another."""
    store = make_store(redis, key_prefix, cache_size=cache_size)
    tokens = []
    for step, founder in enumerate((T(21), T(21), T(21), T(22))):
        turn = store.cached(founder, step) or await store.begin(founder)
        assert turn is not None
        draft = turn.state.drafts.get("registration") or Draft(flow="registration", step="s")
        draft.answers |= {"mobile": MOBILE, f"answer{step}": step}
        turn.state.put_draft(draft)
        await store.commit(turn)
        tokens.append(await sealed_mobile(store, founder))
    assert tokens[0] == tokens[1] == tokens[2] != tokens[3]
    assert CIPHER.unseal({"$enc": tokens[3]}) == MOBILE
    assert (await store.peek(T(21))).drafts["registration"].answers["answer2"] == 2


async def test_what_a_turn_said_is_kept_beside_its_records_for_a_while(redis, key_prefix):
    store = make_store(redis, key_prefix)
    assert (await store.again(T(23)))[1] == {}
    turn = await store.begin(T(23), update_id=77)
    assert turn is not None
    turn.state.prefs.lang = "en"
    turn.state.touch("prefs")
    await store.commit(turn, said=json.dumps({"update": 77, "texts": ["Reference number: X"]}))
    state, said = await store.again(T(23))
    assert said == {"update": 77, "texts": ["Reference number: X"]}
    ttl = await redis.pttl(store.keys.founder(T(23), "said"))
    assert 0 < ttl <= 2 * 86_400_000  # as long as the update ids are kept, no longer
    assert state.prefs.lang == "en"  # written by the same commit
