"""Metrics from the other sources, read from this process's scrape: processes summed in
multiprocess mode, broadcast outcomes and the running gauge, Redis commands retried on a
fresh connection, and a multiprocess directory that is not there."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from broadcasting import Subscriptions, broadcast, chats
from scrapes import parse, value

from bot.config import Settings
from bot.core.channel import Blocked, Channels
from bot.core.render import RenderedMessage
from bot.telemetry import scrape as scrape_here
from bot.wiring import create_redis
from bot.workers.broadcaster import Broadcaster
from bot.workers.gauges import BacklogGauges
from flows.engine.address import TELEGRAM, Address
from storage.broadcasts import BroadcastStore
from storage.keys import KeyBuilder
from storage.outbox import OutboxStore
from storage.timers import TimerStore

ROOT = Path(__file__).resolve().parent.parent.parent


MULTIPROCESS_WRITER = """
import sys, time
from bot.core import metrics
from flows.engine.events import EventKind
for _ in range(int(sys.argv[1])):
    metrics.update_taken(EventKind.TEXT, "ok", time.perf_counter())
metrics.delivery_settled("xuhui-all", "delivered")
metrics.OUTBOX_WAITING.set(int(sys.argv[1]))
"""
MULTIPROCESS_READER = (
    "import sys; from bot.telemetry import scrape; sys.stdout.write(scrape().decode())"
)


def test_processes_sharing_a_multiprocess_dir_are_scraped_as_one(tmp_path: Path) -> None:
    env = os.environ | {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for updates in ("3", "4"):
        subprocess.run(
            [sys.executable, "-c", MULTIPROCESS_WRITER, updates], env=env, check=True, cwd=ROOT
        )
    scraped = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_READER],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    samples = parse(scraped)
    assert value(samples, "smebot_updates_total", kind="text", outcome="ok") == 7
    assert value(samples, "smebot_turn_duration_seconds_count", kind="text") == 7
    assert value(samples, "smebot_deliveries_total", agency="xuhui-all", result="delivered") == 2
    assert value(samples, "smebot_outbox_entries") == 4  # a gauge: the latest write


class Inbox:
    """A Telegram channel whose `blocked` chats have blocked the bot."""

    name = TELEGRAM

    def __init__(self, blocked: set[int]) -> None:
        self.blocked = blocked

    async def send(
        self, chat: Address, messages: Sequence[RenderedMessage], *, edit: str | None = None
    ) -> list[str]:
        if int(chat.id) in self.blocked:
            raise Blocked("blocked")
        return ["1"]

    async def send_file(self, chat: Address, name: str, data: bytes, caption: str) -> str:
        return "1"

    async def fetch(self, file_id: str) -> bytes:
        return b""


async def test_a_broadcast_is_counted_by_outcome_and_shown_running(
    redis: aioredis.Redis, key_prefix: str
) -> None:
    keys = KeyBuilder(key_prefix)
    store, subs = BroadcastStore(redis, keys), Subscriptions()
    now = time.time()
    await broadcast(store, 5, now)
    gauges = BacklogGauges(OutboxStore(redis, keys), TimerStore(redis, keys), store)
    await gauges.read_once()
    running = parse(scrape_here().decode())
    assert value(running, "smebot_broadcasts_running") == 1
    sender = Broadcaster(
        store,
        Channels(Inbox({chats(5)[0]})),
        is_subscribed=subs.is_subscribed,
        on_blocked=subs.unsubscribe,
        rate_per_s=1000,
        per_chat_s=0,
    )
    while await sender.run_once():
        pass
    await sender.run_once()  # sees it done: no longer running
    await gauges.read_once()
    after = parse(scrape_here().decode())
    sends = "smebot_broadcast_sends_total"
    assert (
        value(after, sends, outcome="delivered") - value(running, sends, outcome="delivered") == 4
    )
    assert value(after, sends, outcome="blocked") - value(running, sends, outcome="blocked") == 1
    assert value(after, "smebot_broadcasts_running") == 0


async def test_a_command_on_a_lost_connection_is_retried_and_counted(
    redis: aioredis.Redis, redis_url: str
) -> None:
    """A connection killed under a command (Redis restarted, a proxy's idle timeout): the
    command is sent again on a fresh one."""
    client = create_redis(Settings(redis_url=redis_url))
    try:
        before = value(parse(scrape_here().decode()), "smebot_redis_retries_total")
        waiting = asyncio.create_task(client.blpop(["metrics:nothing"], timeout=1))
        while not (blocked := [c for c in await redis.client_list() if c["cmd"] == "blpop"]):
            await asyncio.sleep(0.01)
        await redis.client_kill_filter(_id=blocked[0]["id"])
        assert await waiting is None  # waited again on a fresh connection, for nothing
        after = value(parse(scrape_here().decode()), "smebot_redis_retries_total")
        assert after - before == 1
    finally:
        await client.aclose()


def test_a_multiprocess_dir_that_is_not_there_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="prometheus_multiproc_dir"):
        Settings(prometheus_multiproc_dir=str(tmp_path / "missing"))
    assert Settings(prometheus_multiproc_dir=str(tmp_path)).prometheus_multiproc_dir == tmp_path
