"""A broadcast survives its worker: `python -m bot worker` killed half-way (SIGKILL) and
started again reaches every founder at most once, all but the claimed batch in flight exactly
once, and that batch is counted unknown, never sent again."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import redis.asyncio as aioredis
from botapi_limits import Limits
from botapi_stub import BotApiStub
from broadcasting import AUTHOR, broadcast, chats, subscribe_all
from telegram_harness import ROOT

from storage.broadcasts import BroadcastStore
from storage.keys import KeyBuilder

RATE = 200
BATCH = RATE // 4  # the broadcaster's default batch at this rate


async def worker(
    api: BotApiStub, redis_url: str, prefix: str, log: Path
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123456:TEST",
        "TELEGRAM_API_URL": api.base_url,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": prefix,
        "BROADCAST_RATE": str(RATE),
    }
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "worker", cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def until(check, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_worker_killed_half_way_and_restarted_reaches_everyone_at_most_once(
    api: BotApiStub, redis: aioredis.Redis, redis_url: str, key_prefix: str, tmp_path: Path
) -> None:
    api.limits = Limits(global_per_s=300)
    store = BroadcastStore(redis, KeyBuilder(key_prefix))
    await subscribe_all(redis, KeyBuilder(key_prefix), 1200, time.time())  # the worker checks
    bid = await broadcast(store, 1200, time.time())
    log = tmp_path / "worker.log"

    def founders() -> dict[int, int]:
        return {chat: n for chat, n in api.limits.sent.items() if chat != AUTHOR}

    async def sent(n: int) -> bool:
        return sum(founders().values()) >= n

    first = await worker(api, redis_url, key_prefix, log)
    try:
        await until(lambda: sent(400))
    finally:
        first.kill()
        await first.wait()
    at_kill = sum(founders().values())
    assert at_kill < 1200
    second = await worker(api, redis_url, key_prefix, log)
    try:

        async def only_dead_claims_left() -> bool:
            counts = await store.counts(bid)
            return (
                counts.pending == 0
                and counts.sending <= BATCH
                and await sent(1200 - counts.sending)
            )

        await until(only_dead_claims_left)
        # The dead worker's claims run out after their lease; what they held counts unknown.
        await store.reap(bid, time.time() + 3600)
        await until(lambda: _reported(api))
    finally:
        second.terminate()
        await second.wait()
    counts = (await store.get(bid)).counts
    reached = founders()
    assert set(reached.values()) == {1}, "someone received it twice"
    assert counts.unknown <= BATCH
    assert counts.delivered + counts.unknown == 1200
    assert counts.delivered <= len(reached) <= counts.delivered + counts.unknown
    outcomes = await store.outcomes(bid)
    delivered = {int(a.id) for a, outcome in outcomes.items() if outcome == "delivered"}
    assert delivered <= set(reached) <= set(chats(1200))
    assert (await store.get(bid)).status == "done"
    assert len(api.messages_to(AUTHOR)) == 1  # one message, edited in place, across both workers
    assert api.limits.too_many == 0
    assert b"Traceback" not in log.read_bytes()


async def _reported(api: BotApiStub) -> bool:
    """The author's progress message shows the final report."""
    shown = api.messages_to(AUTHOR)
    return bool(shown) and shown[-1]["text"].startswith("发送完成")  # in the default language
