"""Polling is single-process: a second `python -m bot telegram` in polling mode on the same bot
says so, naming the poller's host and pid, and exits with status 3; once the poller is killed,
a new one takes over within the poller's lease."""

from __future__ import annotations

import asyncio
import json
import socket

from telegram_harness import BotProcess

from bot.poller import POLLER_LEASE


async def holder_of(redis, key: str, timeout: float = 30) -> dict:
    """The poller's lease holder, once there is one."""
    for _ in range(int(timeout / 0.1)):
        if raw := await redis.get(key):
            return json.loads(raw)
        await asyncio.sleep(0.1)
    raise AssertionError("no process took the poller's lease")


async def test_a_second_poller_refuses_to_start(
    api, redis, redis_url, key_prefix, tmp_path, runtime
):
    key = f"{key_prefix}:v2:{{poller}}:123456"
    first = BotProcess(api, redis_url, key_prefix, tmp_path / "first.log", runtime)
    second = BotProcess(api, redis_url, key_prefix, tmp_path / "second.log", runtime)
    third = BotProcess(api, redis_url, key_prefix, tmp_path / "third.log", runtime)
    try:
        await first.start()
        assert first.proc is not None
        assert (await holder_of(redis, key))["pid"] == first.proc.pid
        await second.start()
        assert second.proc is not None
        assert await asyncio.wait_for(second.proc.wait(), 60) == 3
        said = second.log.read_text()
        assert f"host {socket.gethostname()}, pid {first.proc.pid}" in said
        assert "polling is single-process" in said and "BOT_MODE=webhook" in said
        assert first.proc.returncode is None  # the poller polls on
        await first.kill()  # killed: its lease is not released, it runs out
        await third.start()
        assert third.proc is not None
        for _ in range(int((POLLER_LEASE + 30) / 0.1)):
            if (await holder_of(redis, key))["pid"] == third.proc.pid:
                break
            await asyncio.sleep(0.1)
        assert (await holder_of(redis, key))["pid"] == third.proc.pid
        assert third.proc.returncode is None
    finally:
        for process in (first, second, third):
            if process.proc is not None and process.proc.returncode is None:
                await process.kill()
