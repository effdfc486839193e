"""Telling founders of status changes: a process without a founder's channel (a delivery
worker without a Telegram token) says so once for that channel, not once per change, and names
no founder in that warning; a founder whose channel is here is told."""

from __future__ import annotations

import logging
from typing import Any

from bot.config import Settings
from bot.core.notify import FounderNotifier
from bot.wiring import create_app
from flows.engine.address import Address
from storage.statuses import StatusChange


class Recorder:
    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[Address, str]] = []

    async def send(self, chat: Address, messages: Any, *, edit: str | None = None) -> list[str]:
        self.sent += [(chat, m.text) for m in messages]
        return ["1"]


def change(user: int, reference: str) -> StatusChange:
    return StatusChange(reference, Address.telegram(user), "delivered", "", "worker", 1.0)


async def test_a_channel_this_process_lacks_is_warned_of_once_naming_no_founder(
    redis, redis_url, key_prefix, caplog
):
    app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)
    assert app.channels.get("telegram") is None
    notifier = FounderNotifier(app.renderer, app.store, app.policy, app.channels)
    with caplog.at_level(logging.DEBUG, logger="bot.core.notify"):
        for i in range(3):
            await notifier.status_changed(change(8100 + i, f"SUB-20261201-NTFY0{i}"), "", "zh_CN")
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "no telegram channel" in warnings[0]
    assert "8100" not in warnings[0]
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG]
    assert [r.getMessage().split()[1] for r in debug] == ["telegram:8101", "telegram:8102"]


async def test_a_founder_whose_channel_is_here_is_told(redis, redis_url, key_prefix, caplog):
    app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)
    recorder = Recorder()
    app.channels.add(recorder)  # type: ignore[arg-type]
    notifier = FounderNotifier(app.renderer, app.store, app.policy, app.channels)
    with caplog.at_level(logging.WARNING, logger="bot.core.notify"):
        await notifier.status_changed(change(8200, "SUB-20261201-NTFY10"), "", "en")
    assert [chat for chat, _ in recorder.sent] == [Address.telegram(8200)]
    assert "SUB-20261201-NTFY10" in recorder.sent[0][1]
    assert not caplog.records
