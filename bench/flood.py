"""Scenario 5: founder latency under a flood. K founders answer the 12-question form at a
person's pace (each answer 0.25-0.75 s, seeded, after the bot's reply to the previous one), first alone,
then while one more founder sends 50 messages a second for the whole phase; each founder
answer's reply latency (`feed_update` until the bot has replied), p50/p95 with and without the
flooder, the flooder's updates answered and skipped, and this process's RSS before and after.

Ours on aiogram (`bench.sides.ours`: the production service, its `FloodGate` at the default
FLOOD_RATE 5/s and FLOOD_BURST 30, real Redis).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from typing import Any

from bench.common import drop_prefix, new_prefix, percentile, rss_mb
from bench.form import answers_of
from bench.form_steps import each, feed, open_forms, update_for
from bench.sides import Side, ours
from bot.core.flood import FloodGate
from flows.engine.address import Address

FLOOD_PER_S = 50
THINK = (0.25, 0.75)  # seconds a founder takes between a reply and their next answer (seeded)
FLOODER = 999_000_001


class CountingGate(FloodGate):
    """The production gate, counting what it did with one founder's updates."""

    def __init__(self, watched: int) -> None:
        super().__init__()
        self.watched = Address.telegram(watched)
        self.admitted = self.refused = 0

    def admit(self, founder: Address) -> tuple[bool, bool]:
        admitted, tell = super().admit(founder)
        if founder == self.watched:
            self.admitted += admitted
            self.refused += not admitted
        return admitted, tell


async def paced(side: Side, founders: list[int], latencies: list[float]) -> None:
    """Every founder answers the whole form, THINK s after each reply, all at once."""

    async def founder(user_id: int) -> None:
        pause = random.Random(user_id)
        for answer in answers_of(user_id):
            await asyncio.sleep(pause.uniform(*THINK))
            await feed(side, update_for(side, user_id, answer), latencies)

    await each(founders, len(founders), founder)


async def flood(side: Side, stop: asyncio.Event) -> int:
    """One founder sending FLOOD_PER_S messages a second until `stop`, each fed as it is sent
    (a webhook or getUpdates hands them over without waiting for the replies); how many."""
    running: set[asyncio.Task[None]] = set()
    sent, started = 0, time.perf_counter()

    async def send(update: Any) -> None:
        await side.feed(update)

    while not stop.is_set():
        task = asyncio.create_task(send(side.client.text(FLOODER, f"spam {sent}")))
        running.add(task)
        task.add_done_callback(running.discard)
        sent += 1
        await asyncio.sleep(max(0.0, started + sent / FLOOD_PER_S - time.perf_counter()))
    if running:
        await asyncio.gather(*running)
    return sent


async def run(url: str, redis: Any, *, quick: bool = False) -> dict[str, Any]:
    """Figures under `flood.`."""
    k = 10 if quick else 32
    prefix = new_prefix("f")
    side = ours(url, prefix)
    assert side.service is not None
    ids = iter(range(20_000_000, 30_000_000))
    figures: dict[str, Any] = {"flood.founders": k, "flood.flooder_per_s": FLOOD_PER_S}
    try:
        gate = side.service.flood = CountingGate(FLOODER)  # the defaults, counted
        warm = [next(ids) for _ in range(k)]
        await open_forms(side, warm, k)
        await paced(side, warm, [])
        alone: list[float] = []
        founders = [next(ids) for _ in range(k)]
        await open_forms(side, founders, k)
        await paced(side, founders, alone)

        founders = [next(ids) for _ in range(k)]
        await open_forms(side, founders, k)
        rss_before = rss_mb(os.getpid())
        flooded: list[float] = []
        stop = asyncio.Event()
        flooding = asyncio.create_task(flood(side, stop))
        started = time.perf_counter()
        await paced(side, founders, flooded)
        seconds = time.perf_counter() - started
        stop.set()
        sent = await flooding
        rss_after = rss_mb(os.getpid())
        for name, values in (("no_flood", alone), ("flood", flooded)):
            figures[f"flood.others_p50_ms_{name}"] = round(percentile(values, 50) * 1000, 2)
            figures[f"flood.others_p95_ms_{name}"] = round(percentile(values, 95) * 1000, 2)
            figures[f"flood.others_p99_ms_{name}"] = round(percentile(values, 99) * 1000, 2)
        figures["flood.others_p95_delta_ms"] = round(
            figures["flood.others_p95_ms_flood"] - figures["flood.others_p95_ms_no_flood"], 2
        )
        figures["flood.flooder_sent"] = sent
        figures["flood.flooder_processed"] = gate.admitted
        figures["flood.flooder_skipped"] = gate.refused
        figures["flood.seconds"] = round(seconds, 2)
        figures["flood.rss_growth_mb"] = round(rss_after - rss_before, 2)
        figures["flood.buckets"] = len(side.service.flood)
        print(f"  flood: {k} founders, p50/p95 ms {figures['flood.others_p50_ms_no_flood']}/"
              f"{figures['flood.others_p95_ms_no_flood']} alone, "
              f"{figures['flood.others_p50_ms_flood']}/{figures['flood.others_p95_ms_flood']} "
              f"beside {sent} messages from one founder in {seconds:.1f} s ({gate.admitted} "
              f"processed); RSS "
              f"{rss_before:.1f} → {rss_after:.1f} MB", flush=True)  # fmt: skip
    finally:
        await side.close()
        await drop_prefix(redis, prefix)
    return {"figures": figures}
