"""Scenario 6: broadcasts (issue 14). Against the stand-in Bot API over loopback HTTP:

- `broadcast.msgs_per_s_unthrottled`: the broadcaster's raw throughput, the stub enforcing no
  limits and the rate set far above what it can do (the stub runs in this process too);
- `broadcast.rate_error_pct`: |measured − configured| ÷ configured at the default 25/s, the
  stub enforcing Telegram's limits (30/s, 1/s per chat), measured from the stub's clock over
  the whole broadcast (~10 s); the 429s it answered are `broadcast.steady_429s`;
- `broadcast.founder_p99_ms_during`: founders answering the form at a person's pace (the flood
  scenario's machinery: the production service on aiogram, real Redis) while a broadcast runs
  at 25/s in the same process (EMBEDDED_WORKER's layout, the worst case), and alone.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from bench.common import ROOT, drop_prefix, new_prefix, percentile
from bench.flood import paced
from bench.form_steps import open_forms
from bench.sides import ours
from bot.channels.aiogram.runtime import channel as aiogram_channel
from bot.core.channel import Channels
from bot.workers.broadcaster import Broadcaster
from flows.engine.address import Address
from storage.broadcasts import BroadcastStore
from storage.keys import KeyBuilder

sys.path.insert(0, str(ROOT / "tests"))
from botapi_limits import Limits
from botapi_stub import BotApiStub

RATE = 25.0
PAYLOAD = {
    "messages": {"zh_CN": [{"text": "新政策：小微企业补贴申请开放"}], "en": [{"text": "New"}]}
}


async def _subscribed(founder: Address) -> bool:
    return True


async def _blocked(founder: Address) -> None:
    return None


async def _broadcast(
    redis: Any, prefix: str, api: BotApiStub, n: int, rate: float, stop: asyncio.Event | None
) -> float:
    """Send one broadcast to `n` founders at `rate` until done (or `stop`); its seconds."""
    store = BroadcastStore(redis, KeyBuilder(prefix))
    made = await store.create(Address.telegram(1), PAYLOAD, None, time.time())
    people = ((Address.telegram(500_000 + i), "zh_CN") for i in range(n))
    await store.start(made.id, people, time.time())
    channel, close = aiogram_channel("123456:BENCH", api.base_url)
    sender = Broadcaster(
        store,
        Channels(channel),
        is_subscribed=_subscribed,
        on_blocked=_blocked,
        rate_per_s=rate,
        name="bench",  # one broadcaster throughout: the whole rate is its own
    )
    started = time.perf_counter()
    try:
        while (await store.get(made.id)).status == "running" and not (stop and stop.is_set()):
            await sender.run_once()
    finally:
        await close()
    return time.perf_counter() - started


def _stub_rate(limits: Limits) -> float:
    at = limits.accepted_at
    return (len(at) - 1) / (at[-1] - at[0])


async def run(url: str, redis: Any, *, quick: bool = False) -> dict[str, Any]:
    """Figures under `broadcast.`."""
    prefix = new_prefix("b")
    figures: dict[str, Any] = {"broadcast.rate_configured": RATE}
    try:
        async with BotApiStub() as api:  # no limits: the broadcaster's own ceiling
            n = 1000 if quick else 4000
            seconds = await _broadcast(redis, prefix, api, n, 1e6, None)
            figures["broadcast.msgs_per_s_unthrottled"] = round(n / seconds, 1)
        async with BotApiStub() as api:  # Telegram's limits, the default rate
            api.limits = Limits()
            n = round(RATE * (5 if quick else 10))
            await _broadcast(redis, prefix, api, n, RATE, None)
            measured = _stub_rate(api.limits)
            figures["broadcast.msgs_per_s_measured"] = round(measured, 2)
            figures["broadcast.rate_error_pct"] = round(abs(measured - RATE) / RATE * 100, 2)
            figures["broadcast.steady_429s"] = api.limits.too_many
        figures.update(await _founders_during(url, redis, quick))
        print(f"  broadcast: {figures['broadcast.msgs_per_s_unthrottled']} msgs/s unthrottled; "
              f"{figures['broadcast.msgs_per_s_measured']}/s at {RATE:g}/s configured "
              f"({figures['broadcast.steady_429s']} 429s); founders' p99 "
              f"{figures['broadcast.founder_p99_ms_alone']} ms alone, "
              f"{figures['broadcast.founder_p99_ms_during']} ms during", flush=True)  # fmt: skip
    finally:
        await drop_prefix(redis, prefix)
    return {"figures": figures}


async def _founders_during(url: str, redis: Any, quick: bool) -> dict[str, Any]:
    k = 10 if quick else 32
    prefix = new_prefix("bf")
    side = ours(url, prefix)
    ids = iter(range(40_000_000, 50_000_000))
    out: dict[str, Any] = {"broadcast.founders": k}
    try:
        warm = [next(ids) for _ in range(k)]
        await open_forms(side, warm, k)
        await paced(side, warm, [])
        alone: list[float] = []
        founders = [next(ids) for _ in range(k)]
        await open_forms(side, founders, k)
        await paced(side, founders, alone)
        during: list[float] = []
        founders = [next(ids) for _ in range(k)]
        await open_forms(side, founders, k)
        async with BotApiStub() as api:
            api.limits = Limits()
            stop = asyncio.Event()
            sending = asyncio.create_task(_broadcast(redis, prefix, api, 10_000, RATE, stop))
            await paced(side, founders, during)
            stop.set()
            await sending
            out["broadcast.sent_during"] = len(api.limits.accepted_at)
        for name, values in (("alone", alone), ("during", during)):
            out[f"broadcast.founder_p50_ms_{name}"] = round(percentile(values, 50) * 1000, 2)
            out[f"broadcast.founder_p99_ms_{name}"] = round(percentile(values, 99) * 1000, 2)
    finally:
        await side.close()
        await drop_prefix(redis, prefix)
    return out
