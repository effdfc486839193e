"""A founder's data rights in storage, against a real Redis: the export opens every record of
their key space (also records no service writes today) and their submissions; erasure leaves
none of their personal data anywhere, keeps other founders' data, and withdraws what was not
delivered; the retention purge strips delivered submissions' personal fields once."""

from __future__ import annotations

import json

import pytest
from redis_dump import everything
from shards import fit, outbox_entries
from test_founder_store import ID_NUMBER, MOBILE, make_store
from test_submissions import submit

from flows.engine.address import ERASED, Address
from flows.engine.draft import Draft
from storage.errors import TurnLost
from storage.founders import FounderStore
from storage.keys import SHARDS
from storage.outbox import OutboxStore
from storage.statuses import StatusStore

T = Address.telegram
FOUNDER, OTHER = 7_770_001, 7_770_002
DELIVERED = fit("SUB-20261128-DLVRD1", T(FOUNDER))  # in their founders' shards, as the bot
PENDING = fit("SUB-20261128-PNDNG1", T(FOUNDER))  # draws them
THEIRS = fit("SUB-20261128-OTHER1", T(OTHER))


async def founder_with_history(store: FounderStore) -> OutboxStore:
    """FOUNDER: a draft, a profile, language, one delivered and accepted submission and one
    still in the outbox; OTHER: a submission of their own."""
    outbox = OutboxStore(store.redis, store.keys)
    await outbox.ensure_group()
    for user, reference in ((FOUNDER, DELIVERED), (FOUNDER, PENDING), (OTHER, THEIRS)):
        turn = await submit(store, user, reference)
        turn.state.prefs.lang = "en"
        turn.state.touch("prefs")
        turn.state.profile = {"id_number": ID_NUMBER, "mobile": MOBILE}
        turn.state.touch("profile")
        await store.commit(turn)
    turn = await store.begin(T(FOUNDER))
    assert turn is not None
    turn.state.put_draft(Draft(flow="registration", step="district", answers={"staff": 3}))
    await store.commit(turn)
    entries = await outbox.read("w1", 10)
    for entry in entries:
        if entry.reference in (DELIVERED, THEIRS):
            await outbox.mark_delivered(entry.reference, entry.id, at=1_000.0, settle=entry)
    statuses = StatusStore(store.redis, store.keys)
    await statuses.record(DELIVERED, "delivered", "", "worker")
    await statuses.record(DELIVERED, "accepted", "张三先生：材料齐全", "agency:hrss")
    return outbox


async def test_the_export_opens_every_record_and_submission(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await founder_with_history(store)
    # a record no service writes today is exported all the same
    await redis.set(store.keys.founder(T(FOUNDER), "complaints", "draft"), '{"note": "x"}')
    data = await store.privacy.export(T(FOUNDER), [DELIVERED, PENDING, THEIRS])
    records = data["records"]
    assert records["profile"] == {"id_number": ID_NUMBER, "mobile": MOBILE}  # opened
    assert records["draft:registration"]["answers"] == {"staff": 3}
    assert records["complaints:draft"] == {"note": "x"}
    assert records["prefs"]["lang"] == "en"
    assert [s["reference"] for s in data["submissions"]] == [DELIVERED, PENDING]  # not THEIRS
    delivered = data["submissions"][0]
    assert delivered["answers"]["id_number"] == ID_NUMBER
    assert [e["status"] for e in delivered["history"]] == ["delivered", "accepted"]
    assert delivered["delivery"]["delivered_at"] == "1000.0"
    assert json.loads(json.dumps(data)) == data  # one JSON document


async def test_erasure_leaves_no_personal_data_and_keeps_the_others(redis, key_prefix):
    store = make_store(redis, key_prefix)
    outbox = await founder_with_history(store)
    others_before = {
        k: v for k, v in (await everything(redis, key_prefix)).items() if f"{{{OTHER}}}" in k
    }
    turn = await store.begin(T(FOUNDER))
    assert turn is not None
    references = [str(e["reference"]) for e in turn.state.applications]
    erasure = await store.privacy.erase(T(FOUNDER), turn.token, references)
    assert (erasure.unlinked, erasure.withdrawn) == (2, 1)

    dump = await everything(redis, key_prefix)
    mine = [k for k in dump if f"{{{FOUNDER}}}" in k]
    assert mine == []
    for key, value in dump.items():
        if THEIRS in key or f"{{{OTHER}}}" in key:
            continue  # the other founder's own records hold their own data
        for secret in (ID_NUMBER, MOBILE, str(FOUNDER), "张三", "doc-1", "上海小满"):
            assert secret not in value, (key, secret)
    others_after = {k: v for k, v in dump.items() if f"{{{OTHER}}}" in k}
    assert others_after.keys() == others_before.keys()
    for key, before in others_before.items():
        assert others_after[key] == before or key.endswith((":leases", ":queue"))

    kept = await store.submissions.get(DELIVERED)
    assert kept is not None and kept.founder == ERASED and kept.answers == {}
    assert kept.office == "xuhui-sme-centre" and not kept.withdrawn
    withdrawn = await store.submissions.get(PENDING)
    assert withdrawn is not None and withdrawn.withdrawn
    history = await StatusStore(redis, store.keys).history(DELIVERED)
    assert [(c.status, c.note) for c in history] == [("delivered", ""), ("accepted", "")]
    assert await outbox.reclaim("w2", 0, 10) == []  # nothing left for a worker to deliver
    stream = await outbox_entries(redis, store.keys)
    assert [f[b"reference"] for _, f in stream] == [THEIRS.encode()]
    erasures = await redis.xrange(store.keys.erasures())
    assert len(erasures) == 1 and erasures[0][1][b"channel"] == b"telegram"

    again = await store.begin(T(FOUNDER))  # the founder writes again: they start afresh
    assert again is not None and again.state.applications == [] and again.state.profile == {}


async def test_erasure_without_the_turn_deletes_nothing(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await founder_with_history(store)
    with pytest.raises(TurnLost):
        await store.privacy.erase(T(FOUNDER), "not-the-turn", [])
    assert (await store.peek(T(FOUNDER))).drafts


async def test_retention_purges_delivered_personal_fields_once(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await founder_with_history(store)  # DELIVERED and THEIRS delivered at t=1000
    turn = await store.begin(T(FOUNDER))
    assert turn is not None
    for entry in turn.state.applications:
        entry["sent"] = [["applicant_name", "张三"]]  # the masked summary My applications shows
    turn.state.touch("applications")
    await store.commit(turn)
    day = 86_400.0
    assert await store.privacy.purge_due(1_000 + 179 * day, 180 * day) == 0  # not yet
    assert (await store.submissions.get(DELIVERED)).answers["id_number"] == ID_NUMBER  # type: ignore[union-attr]

    statuses = StatusStore(redis, store.keys)
    await statuses.record(THEIRS, "more_info", "请补充材料", "staff:9001")  # an open case waits
    assert await store.privacy.purge_due(1_000 + 181 * day, 180 * day) == 1
    purged = await store.submissions.get(DELIVERED)
    assert purged is not None and purged.answers == {} and purged.attachments == []
    assert purged.founder == T(FOUNDER)  # still theirs: My applications keeps its status
    raw = await redis.get(store.keys.submission(DELIVERED))
    assert ID_NUMBER.encode() not in raw and b"purged_at" in raw
    assert (await store.submissions.get(THEIRS)).answers  # type: ignore[union-attr]
    assert await store.privacy.purge_due(1_000 + 181 * day, 180 * day) == 0  # once
    assert await store.submissions.get(PENDING) is not None  # never delivered: not due
    lines = {e["reference"]: e for e in (await store.peek(T(FOUNDER))).applications}
    assert "sent" not in lines[DELIVERED] and lines[DELIVERED]["purged"] is True
    assert lines[PENDING]["sent"] == [["applicant_name", "张三"]]

    await statuses.record(THEIRS, "resolved", "", "staff:9001")
    assert await store.privacy.purge_due(1_000 + 183 * day, 180 * day) == 1
    assert (await store.submissions.get(THEIRS)).answers == {}  # type: ignore[union-attr]


async def test_submissions_delivered_before_retention_are_given_their_period(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await founder_with_history(store)
    for shard in range(SHARDS):  # as written by the release before retention
        await redis.delete(store.keys.retention(shard))
    assert await store.privacy.backfill() == 2  # DELIVERED and THEIRS, not PENDING
    scores = {}
    for shard in range(SHARDS):
        retention = store.keys.retention(shard)
        scores |= dict(await redis.zrange(retention, 0, -1, withscores=True))
    assert scores == {DELIVERED.encode(): 1_000.0, THEIRS.encode(): 1_000.0}
    assert await store.privacy.backfill() == 0  # once per Redis
