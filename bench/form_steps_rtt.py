"""Scenario 1 with Redis on "another host": the form steps of ours and the textbook aiogram
baseline, in the same run, with Redis behind a delay proxy (`bench/delay_proxy.py`) of 0.25 ms
each way (`form_steps.rtt05.*`, a 0.5 ms round trip) and 0.5 ms each way (`form_steps.rtt1.*`).

Loopback hides what a round trip costs: production Redis sits on another host, where each one
is a fixed wait that CPU cannot buy back. The proxy is checked first: PING through it at 0,
0.25 and 0.5 ms each way (`form_steps.delay_proxy_ping_ms` in `detail`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from redis.asyncio import Redis

from bench.common import drop_prefix, new_prefix, percentile
from bench.delay_proxy import delayed
from bench.form_steps import ratio, record, timed, warm_up
from bench.sides import ours, textbook

DELAYS = {"rtt05": 0.25, "rtt1": 0.5}  # figure key → ms each way


async def _ping_ms(url: str, pings: int = 400) -> dict[str, float]:
    """Median and p99 of one PING's round trip, one at a time, on one connection."""
    redis = Redis.from_url(url)
    try:
        for _ in range(50):
            await redis.ping()
        times = []
        for _ in range(pings):
            started = time.perf_counter()
            await redis.ping()
            times.append((time.perf_counter() - started) * 1000)
    finally:
        await redis.aclose()
    return {"p50": round(percentile(times, 50), 3), "p99": round(percentile(times, 99), 3)}


async def proxy_hop_ms(url: str) -> tuple[float, dict[str, Any]]:
    """What the proxy costs by itself, each way: half of PING through it at 0 ms minus PING
    direct. The scenarios set their delay that much lower, so Redis is the configured delay
    away, not the delay plus the proxy."""
    out: dict[str, Any] = {"direct": await _ping_ms(url)}
    with delayed(url, 0.0) as proxy:
        out["0"] = await _ping_ms(proxy.url)
    hop = max(0.0, (out["0"]["p50"] - out["direct"]["p50"]) / 2)
    print(f"  delay proxy: PING p50 {out['direct']['p50']:.3f} ms direct, {out['0']['p50']:.3f} ms"
          f" through it at 0 ms: {hop:.3f} ms each way of its own", flush=True)  # fmt: skip
    return hop, out


async def _behind(
    url: str, tag: str, sizes: dict[int, int], ids: Iterator[int], out: dict[str, Any]
) -> None:
    """Ours and the baseline through the proxy at `url`, figures under `form_steps.<tag>.`."""
    figures, detail = out["figures"], out["detail"]
    prefixes = {"ours": new_prefix("ro"), "baseline": new_prefix("rb")}
    sides = {"ours": ours(url, prefixes["ours"]), "baseline": textbook(url, prefixes["baseline"])}
    try:
        for side in sides.values():
            await warm_up(side, next(ids))
        for concurrency, founders in sizes.items():
            key = f"form_steps.{tag}.c{concurrency}"
            for name, side in sides.items():
                start = next(ids)
                result = await timed(side, list(range(start, start + founders)), concurrency)
                record(figures, detail, key, name, side, result)
            ratio(figures, key)
    finally:
        for name, side in sides.items():
            assert side.redis is not None
            await drop_prefix(side.redis, prefixes[name])
            await side.close()


async def run(url: str, *, quick: bool = False) -> dict[str, Any]:
    """Ours and the baseline at 1 and 64 in flight behind each delay; figures under
    `form_steps.rtt05.` and `form_steps.rtt1.`."""
    sizes = {1: 20 if quick else 60, 64: 64 if quick else 256}
    hop, pings = await proxy_hop_ms(url)
    out: dict[str, Any] = {"figures": {}, "detail": {"form_steps.delay_proxy_ping_ms": pings}}
    ids = iter(range(20_000_000, 1_000_000_000, 100_000))
    for tag, delay in DELAYS.items():
        with delayed(url, max(0.0, delay - hop)) as proxy:
            pings[f"{delay:g}"] = ping = await _ping_ms(proxy.url)
            out["figures"][f"form_steps.{tag}.redis_ping_ms"] = ping["p50"]
            added = ping["p50"] - pings["direct"]["p50"]
            print(f"  {tag}: {delay} ms each way (the proxy set to {delay - hop:.3f}): PING p50 "
                  f"{ping['p50']:.3f} ms, +{added:.3f} over direct (configured +{2 * delay})",
                  flush=True)  # fmt: skip
            cpu = proxy.cpu_seconds()
            await _behind(proxy.url, tag, sizes, ids, out)
            out["detail"][f"form_steps.{tag}.proxy_cpu_s"] = round(proxy.cpu_seconds() - cpu, 2)
    return out
