"""Scenario 4: resident memory of one bot process (`python -m bot telegram`, polling a stand-in
Bot API server, with its embedded delivery worker) and one worker process (`python -m bot
worker`) while Redis holds 1,000 and then 100,000 founders' subsidy drafts.

Each size gets fresh processes. The bot serves 300 `/start`s from founders picked at random
among those with a draft (each reads all of that founder's records: "Welcome back"); the
worker delivers 50 submissions into a folder. Then VmRSS of each is read from /proc.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bench.common import ROOT, drop_prefix, new_prefix, one_agency_toml, rss_mb
from bench.handoff import ANSWERS, submit
from bench.processes import spawn, stop
from bot.config import Settings
from bot.wiring import create_app
from flows.engine.address import Address
from flows.engine.draft import Draft

sys.path.insert(0, str(ROOT / "tests"))
from botapi_stub import BotApiStub

SERVED = 300
DELIVERED = 50
TOKEN = "123456:BENCH"


def agencies_toml(folder: Path) -> str:
    """One agency receiving every office's bundles into `folder/inbox`."""
    return one_agency_toml(transport="directory", path=str(folder / "inbox"))


async def fill_drafts(redis: Redis, app: Any, first: int, last: int) -> None:
    """Founders first..last-1 each get a sealed subsidy draft and prefs, as the store writes
    them (one real commit is copied, keys and TTLs as `FounderStore`'s)."""
    store = app.store
    first_founder = Address.telegram(1)
    turn = await store.begin(first_founder)
    assert turn is not None
    turn.state.put_draft(Draft(flow="subsidy", step="summary", answers=dict(ANSWERS)))
    turn.state.prefs.active = "subsidy"
    turn.state.touch("prefs")
    await store.commit(turn)
    draft = await redis.get(store.keys.founder(first_founder, "draft", "subsidy"))
    prefs = await redis.get(store.keys.founder(first_founder, "prefs"))
    for start in range(max(first, 2), last, 5000):
        async with redis.pipeline(transaction=False) as pipe:
            for user_id in range(start, min(start + 5000, last)):
                user = Address.telegram(user_id)
                pipe.set(store.keys.founder(user, "draft", "subsidy"), draft, px=store.draft_ttl_ms)
                pipe.set(store.keys.founder(user, "prefs"), prefs, px=store.profile_ttl_ms)
            await pipe.execute()


async def _bot_rss(env: dict[str, str], founders: int, log: Path) -> float:
    async with BotApiStub() as api:
        proc = await spawn(
            ["-m", "bot", "telegram"], {**env, "TELEGRAM_API_URL": api.base_url}, log
        )
        try:
            users = random.Random(founders).sample(range(1, founders + 1), SERVED)
            for user in users:
                api.push_message(user, "/start")
            deadline = time.monotonic() + 120
            while sum(1 for u in users if api.messages_to(u)) < SERVED:
                if time.monotonic() > deadline or proc.returncode is not None:
                    raise RuntimeError(f"the bot did not answer {SERVED} founders; see {log}")
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
            return rss_mb(proc.pid)
        finally:
            await stop(proc)


async def _worker_rss(env: dict[str, str], app: Any, redis: Redis, base: int, log: Path) -> float:
    proc = await spawn(["-m", "bot", "worker"], env, log)
    try:
        references = [(await submit(app, base + i)).reference for i in range(DELIVERED)]
        deadline = time.monotonic() + 120
        for reference in references:
            while not await app.outbox.is_delivered(reference):
                if time.monotonic() > deadline or proc.returncode is not None:
                    raise RuntimeError(f"the worker did not deliver; see {log}")
                await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        return rss_mb(proc.pid)
    finally:
        await stop(proc)


async def run(url: str, redis: Redis, *, quick: bool = False) -> dict[str, Any]:
    """Figures under `memory.`: RSS in MB of each process at 1k and at 100k drafts."""
    prefix = new_prefix("m")
    folder = Path(tempfile.mkdtemp(prefix="smebot-bench-memory."))
    key = Fernet.generate_key().decode()
    (folder / "agencies.toml").write_text(agencies_toml(folder))
    settings = Settings(redis_url=url, redis_prefix=prefix, data_keys=key,
                        agencies_file=folder / "agencies.toml")  # fmt: skip
    app = create_app(settings, redis)
    await app.outbox.ensure_group()
    env = {
        "REDIS_URL": url, "REDIS_PREFIX": prefix, "DATA_KEYS": key, "TELEGRAM_BOT_TOKEN": TOKEN,
        "AGENCIES_FILE": str(folder / "agencies.toml"), "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    figures: dict[str, Any] = {}
    try:
        sizes = (1_000, 10_000 if quick else 100_000)
        filled = 1
        for size in sizes:
            started = time.perf_counter()
            await fill_drafts(redis, app, filled, size + 1)
            filled = size + 1
            fill_s = time.perf_counter() - started
            info = await redis.info("memory")
            label = f"{size // 1000}k"
            bot = await _bot_rss(env, size, folder / f"bot-{label}.log")
            worker_env = {**env, "TELEGRAM_BOT_TOKEN": ""}
            worker = await _worker_rss(
                worker_env, app, redis, 90_000_000 + size, folder / f"worker-{label}.log"
            )
            figures[f"memory.bot_rss_mb_{label}_drafts"] = round(bot, 1)
            figures[f"memory.worker_rss_mb_{label}_drafts"] = round(worker, 1)
            figures[f"memory.redis_used_mb_{label}_drafts"] = round(
                int(info["used_memory"]) / 2**20, 1
            )
            print(f"  memory with {size:>7,} drafts (filled in {fill_s:.1f} s; Redis uses"
                  f" {int(info['used_memory']) / 2**20:.0f} MB): bot {bot:.1f} MB,"
                  f" worker {worker:.1f} MB", flush=True)  # fmt: skip
        return {"figures": figures}
    finally:
        await drop_prefix(redis, prefix)
        shutil.rmtree(folder, ignore_errors=True)
