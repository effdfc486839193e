"""Records written by the release before channels (founders as bare Telegram ids, key schema
v1) are moved to schema v2's shards by `storage.migrate` and read by this one: drafts,
preferences, the index, submissions, status history and outbox entries."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.one_redis(
    "schema v1 ran on one Redis primary: its keys, untagged, span slots"
)

from test_founder_store import CIPHER, ID_NUMBER, SENSITIVE, make_store

from flows.engine.address import Address
from storage.keys import KeyBuilder, shard_of
from storage.migrate import Migration
from storage.outbox import OutboxStore
from storage.statuses import StatusStore
from storage.submissions import SubmissionStore

FOUNDER = Address.telegram(4242)
REFERENCE = "SUB-20261128-OLD001"


async def write_previous_release(redis, prefix: str) -> None:
    """Keys and JSON exactly as release 1421c25 wrote them."""
    f = f"{prefix}:v1:f:{{4242}}"
    draft = {
        "flow": "registration",
        "step": "3",
        "answers": {"business_form": "llc", "premises": "leased"},
        "scratch": {},
        "defaults": {},
        "revision": 3,
        "created_at": 1.0,
        "updated_at": 2.0,
        "schema": 1,
    }
    await redis.set(f"{f}:draft:registration", json.dumps(draft))
    await redis.set(f"{f}:prefs", json.dumps({"lang": "en", "active": "registration"}))
    await redis.set(f"{f}:rev", "7")
    line = {"reference": REFERENCE, "flow": "subsidy", "programme": "startup-rent"}
    await redis.set(f"{f}:applications", json.dumps([line | {"status": "delivered"}]))
    submission = {
        "reference": REFERENCE,
        "user_id": 4242,
        "flow": "subsidy",
        "programme": "startup-rent",
        "office": "xuhui-sme-centre",
        "district": "310104",
        "locale": "en",
        "answers": CIPHER.seal_answers({"id_number": ID_NUMBER}, SENSITIVE),
        "attachments": [],
        "submitted_at": 1.5,
        "status": "submitted",
        "schema": 1,
        "parent": "",
    }
    await redis.set(f"{prefix}:v1:sub:{REFERENCE}", json.dumps(submission))
    event = {
        "reference": REFERENCE,
        "user_id": 4242,
        "status": "delivered",
        "note": "",
        "actor": "worker",
        "at": 2.5,
    }
    await redis.rpush(f"{prefix}:v1:sub:{REFERENCE}:events", json.dumps(event))
    fields = {"reference": REFERENCE, "user_id": "4242", "flow": "subsidy"}
    await redis.xadd(f"{prefix}:v1:outbox", fields)
    await Migration(redis, KeyBuilder(prefix)).run()


async def test_a_founder_of_the_previous_release_continues_where_they_were(redis, key_prefix):
    await write_previous_release(redis, key_prefix)
    store = make_store(redis, key_prefix)
    state = await store.peek(FOUNDER)
    assert state.prefs.lang == "en" and state.prefs.active == "registration"
    assert state.drafts["registration"].step == "3"
    assert state.drafts["registration"].answers["premises"] == "leased"
    assert state.applications[0]["reference"] == REFERENCE
    turn = await store.begin(FOUNDER)
    assert turn is not None and turn.revision == "7"
    turn.state.drafts["registration"].answers["staff"] = 5
    turn.state.touch("draft:registration")
    assert await store.commit(turn) == "8"


async def test_submissions_and_history_of_the_previous_release_name_their_founder(
    redis, key_prefix
):
    await write_previous_release(redis, key_prefix)
    store = make_store(redis, key_prefix)
    submission = await SubmissionStore(redis, store.keys, CIPHER, SENSITIVE).get(REFERENCE)
    assert submission is not None and submission.founder == FOUNDER
    assert submission.answers["id_number"] == ID_NUMBER
    statuses = StatusStore(redis, store.keys)
    [old] = await statuses.history(REFERENCE)
    assert old.founder == FOUNDER and old.status == "delivered"
    change = (await statuses.record(REFERENCE, "accepted", "", "agency:x")).change
    assert change is not None and change.founder == FOUNDER
    [line] = (await store.peek(FOUNDER)).applications
    assert line["status"] == "accepted"  # the old index line follows the new status


async def test_an_outbox_entry_of_the_previous_release_is_still_delivered(redis, key_prefix):
    await write_previous_release(redis, key_prefix)
    outbox = OutboxStore(redis, make_store(redis, key_prefix).keys)
    await outbox.ensure_group()
    entries = await outbox.read("test", count=10)
    assert [e.reference for e in entries] == [REFERENCE]


async def test_the_move_takes_only_unsettled_outbox_work_and_can_run_again(redis, key_prefix):
    """Of the v1 outbox, the entries its group had not settled go to their shards' streams:
    one pending (a worker died holding it) and one never read, not one acked long ago."""
    old = f"{key_prefix}:v1:outbox"
    for reference in ("SUB-20261128-ACKED1", "SUB-20261128-HELD01", "SUB-20261128-NEW001"):
        await redis.xadd(old, {"reference": reference, "flow": "subsidy"})
    await redis.xgroup_create(old, "delivery", id="0")
    acked, _held = (i for i, _ in (await redis.xreadgroup("delivery", "w", {old: ">"}, 2))[0][1])
    await redis.xack(old, "delivery", acked)
    await redis.set(f"{key_prefix}:v1:f:{{local.7}}:prefs", json.dumps({"lang": "zh_CN"}))
    migration = Migration(redis, KeyBuilder(key_prefix))
    assert await migration.pending()
    moved = await migration.run()
    assert moved["outbox"] == 2 and moved["f"] == 1
    assert not await migration.pending()
    assert await Migration(redis, KeyBuilder(key_prefix)).run() == {}  # nothing left to move
    outbox = OutboxStore(redis, KeyBuilder(key_prefix))
    await outbox.ensure_group()
    entries = await outbox.read("test", count=10)
    assert sorted(e.reference for e in entries) == ["SUB-20261128-HELD01", "SUB-20261128-NEW001"]
    assert all(e.on_shard == shard_of(e.reference) for e in entries)
    state = await make_store(redis, key_prefix).peek(Address("local", "7"))
    assert state.prefs.lang == "zh_CN"
