"""One scale-out run: a stand-in Bot API, the processes of `scale_harness`, founders filing
complaints through the webhook sender (a disruption, such as a SIGKILL, played alongside),
then what every founder and the agency ended with. Used by tests/bot/test_scale_out.py and
bench/scale.py."""

from __future__ import annotations

import asyncio
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from botapi_stub import BotApiStub
from scale_founders import (
    UPDATES_PER_FOUNDER,
    Founder,
    Stuck,
    expected_answers,
    in_order,
    shown_steps,
)
from scale_harness import DATA_KEY, SECRET, ScaleOut
from webhook_sender import WebhookSender

from bot.config import Settings
from bot.wiring import create_app, create_redis
from storage.keys import SHARDS, KeyBuilder

Disruption = Callable[[ScaleOut, WebhookSender, "Report"], Awaitable[None]]
DELIVERY_WAIT_S = 120.0  # a killed worker's bundles wait for the takeover (at least 60 s)


@dataclass
class Report:
    """What `founders` founders ended with after a run of `seconds` (form filling only)."""

    founders: int
    seconds: float = 0.0
    references: dict[int, str] = field(default_factory=dict)  # chat → the reference shown
    stuck: dict[int, str] = field(default_factory=dict)  # chat → the screen never shown
    misordered: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)  # completed, but an answer missing
    stored: Counter[str] = field(default_factory=Counter)  # reference → times the agency stored it
    again: Counter[str] = field(default_factory=Counter)  # reference → duplicates it recognised
    redelivered: int = 0
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def steps_per_s(self) -> float:
        return round(self.founders * UPDATES_PER_FOUNDER / self.seconds, 1)

    def undelivered(self) -> set[str]:
        return set(self.references.values()) - set(self.stored)

    def summary(self) -> str:
        mine = set(self.references.values())
        twice = sum(1 for r in mine if self.again[r])
        return (
            f"{self.founders} founders in {self.seconds:.1f} s ({self.steps_per_s} steps/s): "
            f"{len(self.references)} filed, {len(self.stuck)} stuck, {len(self.misordered)} "
            f"misordered, {len(self.lost)} lost; {len(mine & set(self.stored))} stored by the agency, "
            f"{len(self.undelivered())} undelivered, {twice} received twice; "
            f"{self.redelivered} redeliveries {self.failures}"
        )


@asynccontextmanager
async def scale_out(
    folder: Path, redis_url: str, prefix: str, bots: int = 3, workers: int = 2
) -> AsyncIterator[tuple[ScaleOut, BotApiStub]]:
    """The stand-in Bot API and the processes, stopped after."""
    async with BotApiStub() as api:
        scale = ScaleOut(folder, redis_url, prefix, api.base_url, bots, workers)
        try:
            await scale.start()
            yield scale, api
        finally:
            await scale.stop()


async def run_founders(
    scale: ScaleOut,
    api: BotApiStub,
    chats: range,
    disruption: Disruption | None = None,
    *,
    wait_for_deliveries: bool = True,
) -> Report:
    """Every founder of `chats` files a complaint at once (40 requests in flight at most);
    `disruption` runs beside them. Then their answers and screens are checked and, unless told
    otherwise, the agency's inbox is awaited."""
    report = Report(len(chats))
    async with WebhookSender(api, scale.webhook_url, SECRET) as sender:

        async def one(chat: int) -> None:
            try:
                report.references[chat] = await Founder(sender, chat).file_complaint()
            except Stuck as stuck:
                report.stuck[chat] = str(stuck)

        started = time.monotonic()
        side = asyncio.create_task(disruption(scale, sender, report)) if disruption else None
        await asyncio.gather(*(one(chat) for chat in chats))
        report.seconds = time.monotonic() - started
        if side is not None:
            await side
        report.redelivered, report.failures = sender.redelivered, dict(sender.failures)
    await check_answers(scale, api, report)

    if wait_for_deliveries:
        deadline = time.monotonic() + DELIVERY_WAIT_S
        while report.undelivered() - scale.stored() and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)  # a duplicate POST still on its way would land now
    report.stored, report.again = scale.agency_received()
    return report


def killing(
    name: str, *, steps: int = 0, filed: int = 0, restart_after: float | None = None
) -> Disruption:
    """SIGKILL the child `name` once `steps` updates were answered and `filed` founders saw
    their reference, and start it again `restart_after` seconds later unless None."""

    async def disrupt(scale: ScaleOut, sender: WebhookSender, report: Report) -> None:
        while sender.delivered < steps or len(report.references) < filed:
            await asyncio.sleep(0.05)
        await scale.kill(name)
        if restart_after is not None:
            await asyncio.sleep(restart_after)
            await scale.restart(name)

    return disrupt


def killing_worker_in_hand(name: str) -> Disruption:
    """SIGKILL the worker `name` the moment it holds bundles it has read and not settled (its
    consumer's pending entries, XPENDING), so a takeover is needed."""

    async def disrupt(scale: ScaleOut, sender: WebhookSender, report: Report) -> None:
        worker = scale.children[name].proc
        assert worker is not None
        consumer = f"{socket.gethostname()}-{worker.pid}"  # bot.wiring's consumer name
        keys = KeyBuilder(scale.prefix)
        redis = create_redis(Settings(redis_url=scale.redis_url))
        try:
            deadline = time.monotonic() + 60  # the caller sees it alive if it never held one
            while time.monotonic() < deadline:
                for shard in range(SHARDS):
                    stream, group = keys.outbox(shard), "delivery"
                    held = await redis.xpending_range(stream, group, "-", "+", 1, consumer)
                    if held:
                        await scale.kill(name)
                        return
                await asyncio.sleep(0.01)
        finally:
            await redis.aclose()

    return disrupt


async def check_answers(scale: ScaleOut, api: BotApiStub, report: Report) -> None:
    """Each filed complaint's stored answers are the founder's, in the order typed; each
    founder's screens came in the order of the questions."""
    settings = Settings(redis_url=scale.redis_url, redis_prefix=scale.prefix, data_keys=DATA_KEY)
    redis = create_redis(settings)
    try:
        app = create_app(settings, redis)
        for chat, reference in report.references.items():
            submission = await app.submissions.get(reference)
            if submission is None:
                report.lost.append(chat)
                continue
            answers = {k: str(submission.answers.get(k)) for k in expected_answers(chat)}
            if answers != expected_answers(chat) or not in_order(shown_steps(api, chat)):
                report.misordered.append(chat)
    finally:
        await redis.aclose()
