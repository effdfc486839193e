"""Field encryption, and submissions committed with the founder's turn, against a real Redis."""

from __future__ import annotations

import asyncio
import time

import pytest
from shards import fit, outbox_entries, outbox_len
from test_founder_store import CIPHER, ID_NUMBER, MOBILE, SENSITIVE, make_store

from flows.engine.address import Address
from flows.engine.draft import Draft, Submission
from storage.crypto import FieldCipher
from storage.errors import DraftConflict, ReferenceTaken, SealBroken
from storage.founders import FounderStore, Turn
from storage.keys import KeyBuilder, shard_of
from storage.submissions import OUTBOX_FIELDS, SubmissionStore

T = Address.telegram
# references in their founders' shards, as the bot draws them (one Cluster slot per commit)
SH1 = fit("SH-0001", T(30))
SH2 = fit("SH-0002", T(31))
SH3 = fit("SH-0003", T(32))
SH4 = fit("SH-0004", T(33))
SH5 = fit("SH-0005", T(33))
SH6 = fit("SH-0006", T(35))
SH7 = fit("SH-0007", T(36))
PARTNER = 52  # a founder in 33's shard: both may race for one reference


def application(reference: str, user_id: int = 30) -> Submission:
    return Submission(
        reference=reference,
        founder=T(user_id),
        flow="subsidy",
        programme="startup-rent",
        office="xuhui-sme-centre",
        district="310104",
        locale="zh_CN",
        answers={"id_number": ID_NUMBER, "mobile": MOBILE, "company": "上海小满科技有限公司"},
        attachments=[{"file_id": "doc-1", "name": "licence.pdf"}],
        submitted_at=1_790_000_000.5,
    )


def submissions(store: FounderStore) -> SubmissionStore:
    return SubmissionStore(store.redis, store.keys, CIPHER, SENSITIVE)


async def submit(
    store: FounderStore, user_id: int, reference: str, update_id: int | None = None
) -> Turn:
    """Begin a turn that finishes a draft and submits it; the turn, not yet committed."""
    turn = await store.begin(T(user_id), update_id)
    assert turn is not None
    turn.state.put_draft(Draft(flow="subsidy", step="done", answers={"id_number": ID_NUMBER}))
    turn.state.submit(application(reference, user_id))
    return turn


async def written(store: FounderStore, user_id: int, reference: str) -> tuple[int, int, int]:
    """How many submission records, outbox entries and index lines exist."""
    record = await store.redis.exists(store.keys.submission(reference))
    outbox = await store.redis.xlen(store.keys.outbox_of(reference))
    index = len((await store.peek(T(user_id))).applications)
    return record, outbox, index


# -- FieldCipher ---------------------------------------------------------------------------


def test_seal_and_unseal_round_trip_without_the_plain_text():
    sealed = CIPHER.seal(ID_NUMBER)
    assert set(sealed) == {"$enc"} and ID_NUMBER not in sealed["$enc"]
    assert CIPHER.seal(ID_NUMBER) != sealed  # a fresh IV each time
    assert CIPHER.unseal(sealed) == ID_NUMBER
    assert CIPHER.unseal(CIPHER.seal("张三")) == "张三"


def test_seal_answers_copies_and_seals_only_named_non_empty_strings():
    answers = {"id_number": ID_NUMBER, "mobile": "", "size": 3, "name": "x", "groups": ["a"]}
    sealed = CIPHER.seal_answers(answers, {"id_number", "mobile", "size", "groups"})
    assert answers["id_number"] == ID_NUMBER  # the input is left alone
    assert sealed["id_number"] != ID_NUMBER and "$enc" in sealed["id_number"]
    assert {k: sealed[k] for k in ("mobile", "size", "name", "groups")} == {
        "mobile": "",
        "size": 3,
        "name": "x",
        "groups": ["a"],
    }
    assert CIPHER.unseal_answers(sealed) == answers


def test_a_value_sealed_with_the_old_key_opens_after_rotation():
    old, new = FieldCipher.generate_key(), FieldCipher.generate_key().encode()
    sealed = FieldCipher.from_keys([old]).seal(MOBILE)
    rotated = FieldCipher.from_keys([new, old])
    assert rotated.unseal(sealed) == MOBILE
    assert FieldCipher.from_keys([new]).unseal(rotated.seal(MOBILE)) == MOBILE  # new key encrypts


def test_a_wrong_key_or_a_broken_token_raises_seal_broken():
    sealed = CIPHER.seal(ID_NUMBER)
    with pytest.raises(SealBroken):
        FieldCipher.from_keys([FieldCipher.generate_key()]).unseal(sealed)
    with pytest.raises(SealBroken):
        CIPHER.unseal({"$enc": sealed["$enc"][:-4] + "AAAA"})
    with pytest.raises(SealBroken):
        CIPHER.unseal({"$enc": 42})
    with pytest.raises(SealBroken):
        CIPHER.unseal_answers({"mobile": {"$enc": "not-a-token"}})


def test_keys_must_be_a_non_empty_list_of_fernet_keys():
    with pytest.raises(ValueError):
        FieldCipher.from_keys([])
    with pytest.raises(ValueError):
        FieldCipher.from_keys(FieldCipher.generate_key())  # a bare key, not a list
    with pytest.raises(ValueError):
        FieldCipher.from_keys(["too-short"])


def test_submission_and_outbox_keys():
    keys = KeyBuilder("smebot")
    shard = shard_of("SH-20260101-AB12")
    assert keys.submission("SH-20260101-AB12") == f"smebot:v2:sub:{{{shard}}}:SH-20260101-AB12"
    assert keys.outbox(shard) == f"smebot:v2:outbox:{{{shard}}}"
    for bad in ("", "a:b"):
        with pytest.raises(ValueError):
            keys.submission(bad)


# -- commit with submissions ---------------------------------------------------------------


async def test_submission_commit_writes_record_outbox_and_index_together(redis, key_prefix):
    store = make_store(redis, key_prefix)
    turn = await submit(store, 30, SH1, update_id=700)
    before_ms = int(time.time() * 1000)
    assert await store.commit(turn) == "1"
    assert turn.state.new_submissions == [] and turn.state.changed == set()
    assert await written(store, 30, SH1) == (1, 1, 1)
    assert await redis.ttl(store.keys.submission(SH1)) == -1  # a record: no expiry
    assert await redis.ttl(store.keys.founder(T(30), "applications")) > 0
    reader = submissions(store)
    assert await reader.get(SH1) == application(SH1)
    assert await reader.get("SH-missing") is None
    [entry] = await reader.outbox()
    assert set(entry) == {"id", *OUTBOX_FIELDS}
    assert entry | {"id": ""} == {
        "id": "",
        "reference": SH1,
        "founder": "telegram:30",
        "flow": "subsidy",
        "programme": "startup-rent",
        "office": "xuhui-sme-centre",
        "submitted_at": "1790000000.5",
    }
    assert int(entry["id"].split("-")[0]) >= before_ms  # a stream id: milliseconds-sequence
    index = (await store.peek(T(30))).applications
    assert index == [application(SH1).entry()]


async def test_id_numbers_never_reach_redis_in_plain_text(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await store.commit(await submit(store, 31, SH2))
    keys = [store.keys.submission(SH2), store.keys.founder(T(31), "draft", "subsidy")]
    for key in keys:
        raw = await redis.get(key)
        assert raw and b"$enc" in raw
        assert ID_NUMBER[:17].encode() not in raw and MOBILE.encode() not in raw
    for _, fields in await outbox_entries(redis, store.keys):
        assert all(ID_NUMBER[:17].encode() not in v for v in fields.values())


async def test_a_conflicting_commit_writes_no_record_entry_or_index(redis, key_prefix):
    store = make_store(redis, key_prefix)
    turn = await submit(store, 32, SH3)
    await redis.incr(store.keys.founder(T(32), "rev"))  # someone wrote behind the queue's back
    with pytest.raises(DraftConflict) as caught:
        await store.commit(turn)
    assert not isinstance(caught.value, ReferenceTaken)
    assert await written(store, 32, SH3) == (0, 0, 0)
    assert (await store.peek(T(32))).drafts == {}
    again = await store.begin(T(32), token=turn.token)  # keeps its place in the queue; reloads
    assert again is not None and again.state.applications == []
    again.state.submit(application(SH3, 32))
    await store.commit(again)
    assert await written(store, 32, SH3) == (1, 1, 1)


async def test_concurrent_turns_with_one_reference_make_one_record(redis, connect, key_prefix):
    second_client = connect()  # as if another bot process
    await second_client.ping()  # as the bot does first (see conftest `connect`)
    stores = [make_store(redis, key_prefix), make_store(second_client, key_prefix)]
    turns = await asyncio.gather(*(submit(s, (33, PARTNER)[i], SH4) for i, s in enumerate(stores)))
    results = await asyncio.gather(
        *(s.commit(t) for s, t in zip(stores, turns, strict=True)), return_exceptions=True
    )
    await second_client.aclose()
    taken = [r for r in results if isinstance(r, ReferenceTaken)]
    assert len(taken) == 1 and taken[0].reference == SH4
    assert sum(r == "1" for r in results) == 1
    assert await redis.exists(stores[0].keys.submission(SH4)) == 1
    assert await outbox_len(redis, stores[0].keys) == 1
    loser = (33, PARTNER)[results.index(taken[0])]
    state = await stores[0].peek(T(loser))
    assert state.applications == [] and state.drafts == {}  # the loser wrote nothing at all
    record = await submissions(stores[0]).get(SH4)
    assert record is not None and record.founder == T(({33, PARTNER} - {loser}).pop())
    # the loser retries its turn (same token) with a new reference and gets in
    turn = turns[results.index(taken[0])]
    again = await stores[0].begin(T(loser), token=turn.token)
    assert again is not None
    again.state.submit(application(SH5, loser))
    await stores[0].commit(again)
    assert await outbox_len(redis, stores[0].keys) == 2


async def test_a_redelivered_update_submits_once(redis, key_prefix):
    store = make_store(redis, key_prefix)
    await store.commit(await submit(store, 35, SH6, update_id=901))
    assert await store.begin(T(35), update_id=901) is None
    assert await written(store, 35, SH6) == (1, 1, 1)
    assert (await store.peek(T(35))).applications == [application(SH6, 35).entry()]


async def test_two_new_submissions_sharing_a_reference_are_refused(redis, key_prefix):
    store = make_store(redis, key_prefix)
    turn = await submit(store, 36, SH7)
    turn.state.submit(application(SH7, 36))
    with pytest.raises(ValueError):
        await store.commit(turn)
    await store.release(T(36), turn.token)
    assert await written(store, 36, SH7) == (0, 0, 0)


async def test_one_turn_may_submit_several_applications(redis, key_prefix):
    store = make_store(redis, key_prefix)
    first, second = (fit(r, T(37)) for r in ("SH-00081", "SH-00091"))  # the founder's shard
    turn = await submit(store, 37, first)
    turn.state.submit(application(second, 37))
    await store.commit(turn)
    refs = [e["reference"] for e in await submissions(store).outbox()]
    assert refs == [first, second]
    assert [a["reference"] for a in (await store.peek(T(37))).applications] == refs
