"""Status changes of submissions, against a real Redis: history, the founder's index line,
and the founder's revision bumped so a concurrent turn cannot write an old line back."""

from __future__ import annotations

import asyncio

import pytest
from shards import fit
from test_founder_store import CIPHER, SENSITIVE, make_store
from test_submissions import submit

from flows.engine.address import Address
from storage.errors import DraftConflict
from storage.keys import SHARDS, KeyBuilder, shard_of
from storage.outbox import OutboxEntry, OutboxStore
from storage.statuses import AgencyReport, Outcome, Settle, StatusStore, settles_in_one_step
from storage.submissions import SubmissionStore

T = Address.telegram


# references in their founders' shards, as the bot draws them (one Cluster slot per script)
REF_A = fit("SUB-20261128-AAAAAA", Address.telegram(40))
REF_B = fit("SUB-20261128-BBBBBB", Address.telegram(41))
REF_C = fit("SUB-20261128-CCCCCC", Address.telegram(41))
REF_D = fit("SUB-20261128-DDDDDD", Address.telegram(42))
REF_E = fit("SUB-20261128-EEEEEE", Address.telegram(43))


async def test_status_changes_are_recorded_and_shown_to_the_founder(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await store.commit(await submit(store, 40, REF_A))
    statuses = StatusStore(redis, store.keys)
    assert await statuses.current(REF_A) == "submitted"
    change = (await statuses.record(REF_A, "delivered", "", "worker")).change
    assert change is not None and change.founder == T(40)
    await statuses.record(REF_A, "accepted", "材料齐全", "staff:9001")
    history = await statuses.history(REF_A)
    assert [(c.status, c.actor) for c in history] == [
        ("delivered", "worker"),
        ("accepted", "staff:9001"),
    ]
    assert history[1].note == "材料齐全"
    state = await store.peek(T(40))
    assert state.applications[0]["status"] == "accepted"


async def test_unknown_reference_and_status(redis, key_prefix):
    store = make_store(redis, key_prefix)
    statuses = StatusStore(redis, store.keys)
    unknown = await statuses.record("SUB-20261128-NOPE00", "accepted", "", "agency:x")
    assert (unknown.outcome, unknown.change) == (Outcome.UNKNOWN, None)
    assert await statuses.current("SUB-20261128-NOPE00") is None
    with pytest.raises(ValueError):  # which statuses exist is the lifecycle's; a bad id is refused
        await statuses.record("SUB-20261128-NOPE00", "Lost status", "", "agency:x")


async def test_a_founder_turn_that_read_the_old_line_retries(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await store.commit(await submit(store, 41, REF_B))
    turn = await submit(store, 41, REF_C)  # a second application, not committed
    await StatusStore(redis, store.keys).record(REF_B, "accepted", "", "agency:x")
    with pytest.raises(DraftConflict):
        await store.commit(turn)  # would have written the old 'submitted' line back
    again = await store.begin(T(41), token=turn.token)
    assert again is not None
    assert [e["status"] for e in again.state.applications] == ["accepted"]


async def test_the_index_line_holds_the_question_while_the_office_waits(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await store.commit(await submit(store, 42, REF_D))
    statuses = StatusStore(redis, store.keys)
    await statuses.record(REF_D, "more_info", "请补充租赁合同。", "staff:1")
    [line] = (await store.peek(T(42))).applications
    assert (line["status"], line["question"]) == ("more_info", "请补充租赁合同。")
    await statuses.record(REF_D, "supplied", "", "founder")
    [line] = (await store.peek(T(42))).applications
    assert line["status"] == "supplied" and "question" not in line


async def test_the_index_line_keeps_the_last_ten_changes_with_their_time(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await store.commit(await submit(store, 43, REF_E))
    statuses = StatusStore(redis, store.keys)
    recorded = []
    for i in range(12):
        status = ("more_info", "supplied")[i % 2]
        change = (await statuses.record(REF_E, status, "", "staff:1")).change
        assert change is not None
        recorded.append((status, change.at))
    [line] = (await store.peek(T(43))).applications
    assert [h["status"] for h in line["history"]] == [s for s, _ in recorded[-10:]]
    assert [h["at"] for h in line["history"]] == pytest.approx([t for _, t in recorded[-10:]])


# -- deciding and recording in one step --------------------------------------------------------

CASE = fit("SUB-20261128-FFFFFF", Address.telegram(44))


async def case_statuses(redis, key_prefix, user_id: int = 44) -> StatusStore:
    store = make_store(redis, key_prefix)
    await store.commit(await submit(store, user_id, CASE))
    return StatusStore(redis, store.keys)


def hrss(report_id: str, sequence: int) -> AgencyReport:
    return AgencyReport("hrss", report_id, sequence)


async def test_a_report_is_applied_once_and_a_replay_of_an_older_one_changes_nothing(
    redis, key_prefix
):
    statuses = await case_statuses(redis, key_prefix)
    first = await statuses.record(
        CASE, "more_info", "请补充。", "agency:hrss", report=hrss("r1", 1)
    )
    second = await statuses.record(CASE, "accepted", "", "agency:hrss", report=hrss("r2", 2))
    assert first.outcome is second.outcome is Outcome.RECORDED
    again = await statuses.record(
        CASE, "more_info", "请补充。", "agency:hrss", report=hrss("r1", 1)
    )
    assert (again.outcome, again.change, again.detail) == (Outcome.REPEATED, None, "more_info")
    assert [c.status for c in await statuses.history(CASE)] == ["more_info", "accepted"]
    assert await statuses.current(CASE) == "accepted"  # not rolled back


async def test_a_sequence_not_above_the_last_applied_is_stale_and_a_gap_applies(redis, key_prefix):
    statuses = await case_statuses(redis, key_prefix)
    assert (await statuses.record(CASE, "accepted", "", "agency:hrss", report=hrss("a", 5))).change
    for report in (hrss("b", 5), hrss("c", 4), hrss("d", 1)):
        stale = await statuses.record(CASE, "rejected", "no", "agency:hrss", report=report)
        assert (stale.outcome, stale.detail) == (Outcome.STALE, "5")
    later = await statuses.record(CASE, "resolved", "", "agency:hrss", report=hrss("e", 90))
    assert later.outcome is Outcome.RECORDED
    assert [c.status for c in await statuses.history(CASE)] == ["accepted", "resolved"]
    # another agency's sequence is its own (an office moved to another agency)
    other = await statuses.record(
        CASE, "accepted", "", "agency:tax", report=AgencyReport("tax", "a", 1)
    )
    assert other.outcome is Outcome.RECORDED


async def test_a_report_repeating_the_latest_change_is_not_recorded_but_counts(redis, key_prefix):
    statuses = await case_statuses(redis, key_prefix)
    await statuses.record(CASE, "accepted", "ok", "staff:1")
    repeat = await statuses.record(CASE, "accepted", "ok", "agency:hrss", report=hrss("x", 3))
    assert (repeat.outcome, repeat.detail) == (Outcome.REPEATED, "accepted")
    stale = await statuses.record(CASE, "rejected", "", "agency:hrss", report=hrss("y", 2))
    assert stale.outcome is Outcome.STALE  # the repeat's sequence was taken
    assert (await statuses.record(CASE, "accepted", "other note", "staff:1")).change is not None
    assert len(await statuses.history(CASE)) == 2


async def test_a_change_only_after_certain_statuses_is_decided_in_the_same_step(redis, key_prefix):
    statuses = await case_statuses(redis, key_prefix)
    await statuses.record(CASE, "accepted", "", "agency:hrss", report=hrss("a", 1))
    late = await statuses.record(CASE, "delivered", "", "worker", after=["submitted"])
    assert (late.outcome, late.detail) == (Outcome.IGNORED, "accepted")
    supplied = await statuses.record(CASE, "supplied", "", "founder", after=["more_info"])
    assert supplied.outcome is Outcome.IGNORED
    assert [c.status for c in await statuses.history(CASE)] == ["accepted"]
    with pytest.raises(ValueError):
        await statuses.record(CASE, "accepted", "", "worker", after=["lost; DEL *"])


@pytest.mark.parametrize("actor", ["agency:hrss", "staff:9"])
async def test_concurrent_copies_of_one_change_are_recorded_once(redis, connect, key_prefix, actor):
    """500 copies at once, of an agency's report or of a staff member's change (no report)."""
    recorded = await case_statuses(redis, key_prefix)
    client = connect(max_connections=600)  # a connection for each copy
    await client.ping()  # as the bot does first (see conftest `connect`)
    statuses = StatusStore(client, KeyBuilder(key_prefix))
    report = hrss("r-1", 1) if actor.startswith("agency") else None
    copies = [statuses.record(CASE, "accepted", "收到", actor, report=report) for _ in range(500)]
    try:
        outcomes = [r.outcome for r in await asyncio.gather(*copies)]
    finally:
        await client.aclose()
    assert outcomes.count(Outcome.RECORDED) == 1
    assert outcomes.count(Outcome.REPEATED) == 499
    assert [c.status for c in await recorded.history(CASE)] == ["accepted"]


@pytest.mark.parametrize(
    ("report_id", "sequence"),
    [("", 1), ("a" * 129, 1), ("with space", 1), ("认", 1), ("ok", 0), ("ok", -1), ("ok", 2**53)],
)
def test_a_report_id_and_sequence_are_bounded(report_id, sequence):
    with pytest.raises(ValueError):
        AgencyReport("hrss", report_id, sequence)


async def test_the_applied_reports_live_beside_the_case_and_do_not_confuse_a_scan(
    redis, key_prefix
):
    store = make_store(redis, key_prefix)
    await store.commit(await submit(store, 44, CASE))
    statuses = StatusStore(redis, store.keys)
    await statuses.record(CASE, "accepted", "", "agency:hrss", report=hrss("a", 1))
    assert await redis.type(store.keys.submission(CASE) + ":reports") == b"hash"
    submissions = SubmissionStore(redis, store.keys, CIPHER, SENSITIVE)
    assert await submissions.first_sealed() is not None  # the hash is skipped, not read as JSON


# -- a worker's `delivered` settled with its delivery record -------------------------------

REF_F = fit("SUB-20261128-FFFFFF", Address.telegram(44))
REF_G = fit("SUB-20261128-GGGGGG", Address.telegram(45))


async def delivered_entry(redis, store, user_id: int, reference: str):
    """A committed submission whose outbox entry a worker has read, its record as read."""
    await store.commit(await submit(store, user_id, reference))
    outbox = OutboxStore(redis, store.keys)
    await outbox.ensure_group()
    [entry] = [e for e in await outbox.read("w", 10) if e.reference == reference]
    taken = await outbox.take(entry)
    assert taken is not None and taken.record is not None
    return outbox, taken


async def test_settling_records_delivered_the_delivery_and_the_ack_in_one_step(redis, key_prefix):
    store = make_store(redis, key_prefix)
    outbox, entry = await delivered_entry(redis, store, 44, REF_F)
    statuses = StatusStore(redis, store.keys)
    writes = outbox.delivered_writes(REF_F, entry.id, at=1_790_000_000.5, settle=entry)
    recorded = await statuses.record(
        REF_F, "delivered", "", "worker", founder=T(44), settle=Settle(entry.record, writes)
    )
    assert (recorded.outcome, recorded.settled) == (Outcome.RECORDED, True)
    assert [c.status for c in await statuses.history(REF_F)] == ["delivered"]
    assert await outbox.delivery(REF_F) == {
        "attempts": "1",
        "delivered_at": "1790000000.5",
        "delivery_id": entry.id,
    }
    assert await outbox.take(entry) is None  # a redelivered entry is acked without sending
    pending = await redis.xpending(outbox.keys.outbox_of(REF_F), outbox.group)
    assert pending["pending"] == 0
    retention = await redis.zscore(store.keys.retention(shard_of(REF_F)), REF_F)
    assert retention == 1_790_000_000.5
    [line] = (await store.peek(T(44))).applications
    assert line["status"] == "delivered"


async def test_a_repeated_delivered_still_settles(redis, key_prefix):
    store = make_store(redis, key_prefix)
    outbox, entry = await delivered_entry(redis, store, 44, REF_F)
    statuses = StatusStore(redis, store.keys)
    await statuses.record(REF_F, "delivered", "", "worker")  # a worker that died after this
    writes = outbox.delivered_writes(REF_F, entry.id, settle=entry)
    recorded = await statuses.record(
        REF_F, "delivered", "", "worker", founder=T(44), settle=Settle(entry.record, writes)
    )
    assert (recorded.outcome, recorded.settled) == (Outcome.REPEATED, True)
    assert await outbox.is_delivered(REF_F)


async def test_settling_writes_nothing_when_the_record_changed_since_delivery(redis, key_prefix):
    store = make_store(redis, key_prefix)
    outbox, entry = await delivered_entry(redis, store, 45, REF_G)
    await redis.set(store.keys.submission(REF_G), b'{"erased": true}')  # the founder erased
    statuses = StatusStore(redis, store.keys)
    writes = outbox.delivered_writes(REF_G, entry.id, settle=entry)
    assert entry.record is not None
    recorded = await statuses.record(
        REF_G, "delivered", "", "worker", founder=T(45), settle=Settle(entry.record, writes)
    )
    assert (recorded.outcome, recorded.settled) == (Outcome.CHANGED, False)
    assert await statuses.history(REF_G) == []
    assert not await outbox.is_delivered(REF_G)
    pending = await redis.xpending(outbox.keys.outbox_of(REF_G), outbox.group)
    assert pending["pending"] == 1


async def test_a_delivery_settles_with_its_status_only_when_all_keys_are_of_one_shard(redis):
    outbox = OutboxStore(redis, KeyBuilder("smebot"))
    entry = OutboxEntry("1-0", {"reference": REF_F})
    writes = outbox.delivered_writes(REF_F, entry.id, settle=entry)
    other = next(T(i) for i in range(100, 200) if shard_of(T(i).key) != shard_of(REF_F))
    assert settles_in_one_step(REF_F, T(44), writes)
    assert not settles_in_one_step(REF_F, other, writes)
    assert not settles_in_one_step(REF_F, None, writes)
    elsewhere = OutboxEntry("1-0", {"reference": REF_F}, shard=(shard_of(REF_F) + 1) % SHARDS)
    moved = outbox.delivered_writes(REF_F, entry.id, settle=elsewhere)  # a v1 stream's entry
    assert not settles_in_one_step(REF_F, T(44), moved)
