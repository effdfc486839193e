"""Shared pieces of the end-to-end Telegram tests: the bot as a child process pointed at the
stand-in Bot API server, its fixtures, and helpers to find and tap buttons."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from botapi_stub import BotApiStub

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
RUNTIMES = ("aiogram", "ptb")


def other_runtime(runtime: str) -> str:
    """The runtime a founder moves to when the bot is redeployed on the other library."""
    return RUNTIMES[1 - RUNTIMES.index(runtime)]


class BotProcess:
    """`python -m bot telegram` as a child process, pointed at the stub and the test Redis, on
    the Telegram runtime `runtime` (BOT_RUNTIME)."""

    def __init__(
        self, api: BotApiStub, redis_url: str, prefix: str, log: Path, runtime: str = "aiogram"
    ) -> None:
        self.runtime = runtime
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": "123456:TEST",
            "TELEGRAM_API_URL": api.base_url,
            "REDIS_URL": redis_url,
            "REDIS_PREFIX": prefix,
            "BOT_MODE": "polling",
        }
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, runtime: str | None = None) -> None:
        """Start the process (again), on `runtime` if given, else the one it ran on."""
        self.runtime = runtime or self.runtime
        self.env["BOT_RUNTIME"] = self.runtime
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "telegram",
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=out,
            )

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()


def pdf(label: str) -> bytes:
    """A small file that is a PDF by its content (each label gives different bytes)."""
    return b"%PDF-1.4\n%" + label.encode() + b"\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"


def pick_data(message: dict, op: str, value: str = "") -> str:
    for _label, data in BotApiStub.buttons(message):
        parts = data.split(":")
        if parts[1] == op and (not value or parts[-1] == value):
            return data
    raise AssertionError(f"no button {op}:{value} in {BotApiStub.buttons(message)}")


def at_step(index: int, flow: str = "reg") -> Callable[[dict], bool]:
    """A message showing question `index` of a flow (registration guidance by default)."""
    return lambda m: any(
        d.startswith("a:") and d.split(":")[2:4] == [flow, str(index)]
        for _l, d in BotApiStub.buttons(m)
    )


async def tap(
    api: BotApiStub, user: int, message: dict, op: str, value: str = "", lang: str = "zh-hans"
) -> None:
    api.push_callback(
        user, pick_data(message, op, value), message["message_id"], language_code=lang
    )
