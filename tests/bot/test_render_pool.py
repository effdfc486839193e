"""The render pool: PDFs made in spawned processes, byte for byte as on the event loop, while
the loop keeps running; a render process that dies fails its bundle as retryable, is replaced,
and the worker's retry delivers the bundle once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

import pytest
from applications import ID_NUMBER, credit_answers, subsidy_answers

from bot.config import Settings
from bot.handoff import rendering
from bot.handoff.bundle import build_bundle
from bot.handoff.delivery import Deliverer
from bot.handoff.rendering import READY, Render, RenderPool, inline
from bot.handoff.types import DeliveryFailed
from bot.wiring import App, create_app
from bot.workers.outbox import OutboxWorker
from flows.engine.address import Address
from flows.engine.draft import Draft, Submission
from flows.policy.loader import load_policy_data

T = TypeVar("T")
POLICY = load_policy_data()
PROOF = b"%PDF-1.4 fine paid"
LICENCE = {
    "file_id": "f1",
    "name": "licence.pdf",
    "mime": "application/pdf",
    "document": "business_licence",
}


def _slow(seconds: float) -> int:
    """A render that takes its time (in whichever process runs it)."""
    time.sleep(seconds)
    return os.getpid()


def _pid() -> int:
    return os.getpid()


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _sized(size: int) -> bytes:
    """An answer of `size` bytes, each its position modulo 251 (a cut or reordered piece shows)."""
    return bytes(i % 251 for i in range(size))


def _leaky() -> None:
    raise ValueError(f"cannot lay out {ID_NUMBER}")


@pytest.fixture
async def pool() -> AsyncIterator[RenderPool]:
    pool = RenderPool(1)
    try:
        yield pool
    finally:
        await pool.close()


async def ticks_during(render: Render, job: Callable[..., Any], *args: Any) -> int:
    """How often a heartbeat coroutine ran while `job` was being rendered."""
    beats = 0
    running = True

    async def heartbeat() -> None:
        nonlocal beats
        while running:
            await asyncio.sleep(0.01)
            beats += running

    beating = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)  # the heartbeat is waiting on its first sleep
    await render(job, *args)
    running = False
    seen = beats
    await beating
    return seen


async def test_the_event_loop_keeps_running_while_a_slow_render_runs(pool):
    await pool.start()
    assert await ticks_during(inline, _slow, 0.5) == 0  # on the loop, nothing else runs
    assert await ticks_during(pool, _slow, 0.5) >= 5  # in the pool, the heartbeat goes on


async def test_jobs_run_in_other_processes_and_one_at_a_time_each(pool):
    pids = await asyncio.gather(*(pool(_slow, 0.05) for _ in range(3)))
    assert set(pids) == {pids[0]} and pids[0] != os.getpid()


async def test_a_render_process_that_dies_fails_retryably_and_is_replaced(pool):
    first = await pool(_pid)
    with pytest.raises(DeliveryFailed) as failed:
        await pool(_die)
    assert failed.value.retryable and "render process died" in failed.value.reason
    second = await pool(_pid)
    assert second not in (first, os.getpid())


async def test_a_render_past_its_timeout_fails_retryably_and_its_process_is_replaced(pool):
    first = await pool(_pid)  # this module imported there, outside the timeout
    pool.timeout_s = 0.5
    with pytest.raises(DeliveryFailed) as failed:
        await pool(_slow, 600)
    assert failed.value.retryable and "longer than 0.5 s" in failed.value.reason
    pool.timeout_s = 60
    assert await pool(_pid) not in (first, os.getpid())


async def test_answers_many_times_what_a_pipe_holds_arrive_whole_and_in_turn(pool):
    # a pipe holds 64 KiB: these arrive in many reads, each cut where the loop read it
    sizes = [3_000_000, 0, 65_536, 1, 200_000]
    answers = [await pool(_sized, size) for size in sizes]
    assert answers == [_sized(size) for size in sizes]


def test_the_answers_framing_is_read_across_any_cut():
    payloads = (b"first", b"", b"x" * 30_000, READY)
    reading, writing = os.pipe()
    sender = Connection(writing, readable=False)  # as the render process writes its answers
    for payload in payloads:
        sender.send_bytes(payload)
    sender.close()
    framed = b""
    while chunk := os.read(reading, 1 << 16):
        framed += chunk
    os.close(reading)
    got: list[bytes] = []

    class Renderer:
        def answered(self, data: bytes) -> None:
            got.append(data)

    answers = rendering._Answers(Renderer())  # type: ignore[arg-type]
    for start in range(0, len(framed), 7):  # 7 bytes at a time: lengths cut too
        answers.data_received(framed[start : start + 7])
    assert got == list(payloads) and not answers.buffer


async def test_a_failing_render_reports_its_exception_class_only(pool):
    with pytest.raises(DeliveryFailed) as failed:
        await pool(_leaky)
    assert failed.value.retryable and failed.value.reason == "rendering failed with ValueError"
    assert await pool(_pid) != os.getpid()  # the process goes on


def subsidy() -> Submission:
    return Submission(
        reference="SUB-20261201-RNDR01",
        founder=Address.telegram(42),
        flow="subsidy",
        programme="startup_subsidy",
        office="district_employment_center",
        district="xuhui",
        locale="zh_CN",
        answers=subsidy_answers("startup_subsidy"),
        attachments=[LICENCE],
        submitted_at=1_796_100_000,
    )


def credit() -> Submission:
    return Submission(
        reference="SUB-20261201-RNDR02",
        founder=Address.telegram(42),
        flow="credit",
        programme="penalty",
        office="credit_china_shanghai",
        district="",
        locale="zh_CN",
        answers=credit_answers("penalty"),
        attachments=[],
        submitted_at=1_796_100_000,
    )


async def fetch(file_id: str) -> bytes:
    return PROOF


@pytest.mark.parametrize("make", [subsidy, credit], ids=["subsidy", "credit letter"])
async def test_a_bundle_from_the_pool_has_the_bytes_of_one_rendered_inline(pool, make):
    here = await build_bundle(make(), POLICY, "agency", fetch)
    there = await build_bundle(make(), POLICY, "agency", fetch, render=pool)
    assert there.pdf.startswith(b"%PDF") and there.pdf == here.pdf
    assert there.bundle_json == here.bundle_json
    assert there.attachments == here.attachments and there.attachments  # the letter, for credit


class CrashingFirst:
    """The pool, except that the first render kills the render process doing it."""

    def __init__(self, pool: RenderPool) -> None:
        self.pool = pool
        self.crashed = False

    async def __call__(self, job: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        if not self.crashed:
            self.crashed = True
            await self.pool(_die)
        return await self.pool(job, *args, **kwargs)


@pytest.fixture
async def app(redis, redis_url, key_prefix, tmp_path, monkeypatch) -> App:
    monkeypatch.chdir(tmp_path)  # the default agencies deliver into ./var/agency-inbox/<id>/
    app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)
    await app.outbox.ensure_group()
    submission = subsidy()
    turn = await app.store.begin(submission.founder)
    assert turn is not None
    turn.state.put_draft(Draft(flow="subsidy", step="done"))
    turn.state.submit(submission)
    await app.store.commit(turn)
    return app


async def test_a_bundle_whose_render_process_died_is_retried_and_delivered_once(app, pool):
    async def files(founder: Address, file_id: str) -> bytes:
        return PROOF

    render = CrashingFirst(pool)
    deliverer = Deliverer(
        app.submissions, app.policy, app.agencies, app.desk(), files, font=app.font, render=render
    )
    worker = OutboxWorker(app.outbox, deliverer, consumer="test", rng=lambda: 0.0)
    reference = subsidy().reference
    folder = Path("var/agency-inbox/district_employment_center") / reference

    assert await worker.run_once() == 1  # the render process died: scheduled again
    assert render.crashed and not folder.exists()
    assert not await app.outbox.is_delivered(reference)

    assert await worker.run_once() == 1  # due at once (no jitter): built again, delivered
    assert await app.outbox.is_delivered(reference)
    assert json.loads((folder / "bundle.json").read_bytes())["reference"] == reference
    assert (folder / "application.pdf").read_bytes().startswith(b"%PDF")
    assert await worker.run_once() == 0  # nothing left, nothing sent twice
