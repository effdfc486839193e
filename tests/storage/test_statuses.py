"""Status changes of submissions, against a real Redis: history, the founder's index line,
and the founder's revision bumped so a concurrent turn cannot write an old line back."""

from __future__ import annotations

import pytest
from test_founder_store import make_store
from test_submissions import submit

from flows.engine.address import Address
from storage.errors import DraftConflict
from storage.statuses import StatusStore

T = Address.telegram


async def test_status_changes_are_recorded_and_shown_to_the_founder(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await store.commit(await submit(store, 40, "SUB-20261128-AAAAAA"))
    statuses = StatusStore(redis, store.keys)
    assert await statuses.current("SUB-20261128-AAAAAA") == "submitted"
    change = await statuses.record("SUB-20261128-AAAAAA", "delivered", "", "worker")
    assert change is not None and change.founder == T(40)
    await statuses.record("SUB-20261128-AAAAAA", "accepted", "材料齐全", "staff:9001")
    history = await statuses.history("SUB-20261128-AAAAAA")
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
    assert await statuses.record("SUB-20261128-NOPE00", "accepted", "", "agency:x") is None
    assert await statuses.current("SUB-20261128-NOPE00") is None
    with pytest.raises(ValueError):
        await statuses.record("SUB-20261128-NOPE00", "lost", "", "agency:x")


async def test_a_founder_turn_that_read_the_old_line_retries(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await store.commit(await submit(store, 41, "SUB-20261128-BBBBBB"))
    turn = await submit(store, 41, "SUB-20261128-CCCCCC")  # a second application, not committed
    await StatusStore(redis, store.keys).record("SUB-20261128-BBBBBB", "accepted", "", "agency:x")
    with pytest.raises(DraftConflict):
        await store.commit(turn)  # would have written the old 'submitted' line back
    again = await store.begin(T(41), token=turn.token)
    assert again is not None
    assert [e["status"] for e in again.state.applications] == ["accepted"]


async def test_the_index_line_holds_the_question_while_the_office_waits(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await store.commit(await submit(store, 42, "SUB-20261128-DDDDDD"))
    statuses = StatusStore(redis, store.keys)
    await statuses.record("SUB-20261128-DDDDDD", "more_info", "请补充租赁合同。", "staff:1")
    [line] = (await store.peek(T(42))).applications
    assert (line["status"], line["question"]) == ("more_info", "请补充租赁合同。")
    await statuses.record("SUB-20261128-DDDDDD", "supplied", "", "founder")
    [line] = (await store.peek(T(42))).applications
    assert line["status"] == "supplied" and "question" not in line


async def test_the_index_line_keeps_the_last_ten_changes_with_their_time(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await store.commit(await submit(store, 43, "SUB-20261128-EEEEEE"))
    statuses = StatusStore(redis, store.keys)
    recorded = []
    for i in range(12):
        status = ("more_info", "supplied")[i % 2]
        change = await statuses.record("SUB-20261128-EEEEEE", status, "", "staff:1")
        assert change is not None
        recorded.append((status, change.at))
    [line] = (await store.peek(T(43))).applications
    assert [h["status"] for h in line["history"]] == [s for s, _ in recorded[-10:]]
    assert [h["at"] for h in line["history"]] == pytest.approx([t for _, t in recorded[-10:]])
