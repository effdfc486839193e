"""`python -m bot dead-letters …` against a real Redis, with a worker that kills deliveries."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from typing import Any

import pytest
import redis.asyncio as aioredis
from shards import outbox_len

from bot import ops
from bot.config import ROOT, Settings
from bot.handoff.types import DeliveryFailed
from bot.workers.outbox import OutboxWorker
from flows.engine.address import Address
from storage.crypto import FieldCipher
from storage.dead_letters import DeadLetterStore
from storage.keys import KeyBuilder
from storage.outbox import OutboxEntry, OutboxStore
from storage.statuses import StatusStore
from storage.submissions import OUTBOX_FIELDS

ID_NUMBER = "310104199001011234"
MOBILE = "13812345678"
LONG_REASON = "HTTP 400 " + "x" * 300


class Agency:
    """A fake agency: refuses every delivery for good until `accept` is set."""

    def __init__(self) -> None:
        self.accept = False
        self.delivered: Counter[str] = Counter()

    async def __call__(self, entry: OutboxEntry) -> str | None:
        if not self.accept:
            raise DeliveryFailed(LONG_REASON, retryable=False)
        self.delivered[entry.reference] += 1
        return None


@pytest.fixture
def settings(redis_url: str, key_prefix: str) -> Settings:
    return Settings(
        redis_url=redis_url, redis_prefix=key_prefix, data_keys=FieldCipher.generate_key()
    )


@pytest.fixture
async def store(redis: aioredis.Redis, key_prefix: str) -> OutboxStore:
    return OutboxStore(redis, KeyBuilder(key_prefix))


async def kill(store: OutboxStore, agency: Agency, *references: str) -> OutboxWorker:
    """Submit the references and let a worker dead-letter each; the worker."""
    for reference in references:
        values = (reference, "30", "subsidy", "startup-rent", "xuhui-sme-centre", "1790000000.5")
        fields: dict[Any, Any] = dict(zip(OUTBOX_FIELDS, values, strict=True))
        await store.redis.xadd(store.keys.outbox_of(reference), fields)
    worker = OutboxWorker(store, agency, consumer="w1")
    assert await worker.run_once() == len(references)
    assert await outbox_len(store.redis, store.keys, "dead") == len(references)
    return worker


async def dead_references(store: OutboxStore) -> list[str]:
    return [d.reference for d in await DeadLetterStore(store.redis, store.keys).all()]


async def test_list_prints_one_short_line_per_dead_letter(store, settings, capsys) -> None:
    await kill(store, Agency(), "SUB-1", "SUB-2")
    assert await ops.main(["dead-letters", "list"], settings) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line.split()[1] for line in lines) == ["SUB-1", "SUB-2"]  # 2 shards
    for line in lines:
        assert "xuhui-sme-centre" in line
        assert "not retryable: DeliveryFailed: HTTP 400 xxx" in line
        assert len(line.split("  ", 4)[4]) == ops.REASON_WIDTH  # the reason, shortened


async def test_an_empty_list_says_so(store, settings, capsys) -> None:
    assert await ops.main(["dead-letters", "list"], settings) == 0
    assert capsys.readouterr().out == "no dead letters\n"


async def test_show_prints_the_entry_the_record_and_the_history_length(
    store, settings, capsys
) -> None:
    await kill(store, Agency(), "SUB-1")
    statuses = StatusStore(store.redis, store.keys)
    await statuses.record("SUB-1", "accepted", MOBILE, "agency:x", founder=Address.telegram(30))
    assert await ops.main(["dead-letters", "show", "SUB-1"], settings) == 0
    out = capsys.readouterr().out
    assert "reference: SUB-1" in out and "office: xuhui-sme-centre" in out
    assert "attempts: 1" in out and "last_error: not retryable" in out
    assert "status history: 1 change (latest: accepted)" in out
    assert ID_NUMBER not in out and MOBILE not in out


async def test_requeue_puts_it_back_once_and_a_worker_delivers_it(store, settings, capsys) -> None:
    agency = Agency()
    worker = await kill(store, agency, "SUB-1", "SUB-2")
    before = await outbox_len(store.redis, store.keys)
    assert await ops.main(["dead-letters", "requeue", "SUB-1"], settings) == 0
    assert "requeued SUB-1 as outbox entry" in capsys.readouterr().out
    assert await dead_references(store) == ["SUB-2"]
    assert await outbox_len(store.redis, store.keys) == before + 1
    entries = await store.redis.xrange(store.keys.outbox_of("SUB-1"))
    [(_, fields)] = entries[-1:]
    assert {k.decode() for k in fields} == set(OUTBOX_FIELDS)  # no retry bookkeeping
    assert await ops.main(["dead-letters", "requeue", "SUB-1"], settings) == 1  # gone now
    assert "no dead letter for SUB-1" in capsys.readouterr().err
    agency.accept = True
    assert await worker.run_once() == 1
    assert agency.delivered == {"SUB-1": 1}
    record = await store.delivery("SUB-1")
    assert "delivered_at" in record and "dead_at" not in record and "requeued_at" in record


async def test_two_requeues_at_once_put_it_back_once(store) -> None:
    await kill(store, Agency(), "SUB-1")
    dead = DeadLetterStore(store.redis, store.keys)
    before = await outbox_len(store.redis, store.keys)
    outcomes = await asyncio.gather(*(dead.requeue("SUB-1", at=1.0) for _ in range(5)))
    assert sorted(o for o, _ in outcomes) == ["missing"] * 4 + ["ok"]
    assert await outbox_len(store.redis, store.keys) == before + 1


async def test_requeue_refuses_a_delivered_reference(store, settings, capsys) -> None:
    await kill(store, Agency(), "SUB-1")
    await store.mark_delivered("SUB-1", "XH-1")
    assert await ops.main(["dead-letters", "requeue", "SUB-1"], settings) == 1
    assert capsys.readouterr().err == "SUB-1 was delivered already; nothing requeued\n"
    assert await dead_references(store) == ["SUB-1"]


@pytest.mark.parametrize("action", ["show", "requeue", "drop"])
async def test_an_unknown_reference_is_refused(store, settings, capsys, action) -> None:
    await kill(store, Agency(), "SUB-1")
    argv = ["dead-letters", action, "SUB-9", *(["--yes"] if action == "drop" else [])]
    assert await ops.main(argv, settings) == 1
    assert capsys.readouterr().err == "no dead letter for SUB-9\n"
    assert await dead_references(store) == ["SUB-1"]


async def test_drop_needs_yes(store, settings, capsys) -> None:
    await kill(store, Agency(), "SUB-1", "SUB-2")
    assert await ops.main(["dead-letters", "drop", "SUB-1"], settings) == 1
    assert "would drop" in capsys.readouterr().err
    assert sorted(await dead_references(store)) == ["SUB-1", "SUB-2"]
    assert await ops.main(["dead-letters", "drop", "SUB-1", "--yes"], settings) == 0
    assert await dead_references(store) == ["SUB-2"]


async def test_the_command_runs_as_python_m_bot(store, redis_url, key_prefix) -> None:
    await kill(store, Agency(), "SUB-1")
    env = os.environ | {"REDIS_URL": redis_url, "REDIS_PREFIX": key_prefix}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "dead-letters", "list",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err
    assert out.decode().split()[1] == "SUB-1"


def test_a_configuration_error_exits_2(capsys, monkeypatch) -> None:
    from bot.__main__ import main

    monkeypatch.setenv("REDIS_MAX_CONNECTIONS", "1")
    assert main(["dead-letters", "list"]) == 2
    assert capsys.readouterr().err.startswith("configuration error:")


async def test_a_bad_reference_is_refused(settings, capsys) -> None:
    assert await ops.main(["dead-letters", "show", "a:b"], settings) == 1
    assert capsys.readouterr().err == "'a:b' is not a submission reference\n"
