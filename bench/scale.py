"""Scenario `scale`: the scale-out set-up of tests/bot/test_scale_out.py (bot processes in
webhook mode behind HAProxy, two workers, a local Redis Cluster of three masters, the stand-in
Telegram sending each chat's updates one at a time) with one bot process behind the balancer,
then three; founders file a complaint with their answers in bursts.

steps/s is updates answered per second of form filling, the stand-in Telegram and Bot API
included (they run in this process, on the same cores). On a 2-core machine three processes
cannot beat one by much: the three share the two cores with Redis, the workers, HAProxy and
this process. `scale.misordered` adds up both runs' misordered forms, `scale.lost` their lost
or stuck ones.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from bench.common import ROOT

sys.path.insert(0, str(ROOT / "tests"))

from redis_cluster import LocalCluster
from scale_run import run_founders, scale_out


async def _round(folder: Path, url: str, bots: int, founders: int) -> dict[str, Any]:
    async with scale_out(folder, url, f"bs{uuid.uuid4().hex[:8]}", bots=bots) as (scale, api):
        report = await run_founders(scale, api, range(30_000, 30_000 + founders))
    print(f"  scale-out, {bots} bot process(es): {report.summary()}", flush=True)
    return {
        "bots": bots,
        "founders": founders,
        "steps_per_s": report.steps_per_s,
        "seconds": round(report.seconds, 2),
        "misordered": len(report.misordered),
        "lost": len(report.lost) + len(report.stuck),
        "undelivered": len(report.undelivered()),
    }


async def run(*, quick: bool = False) -> dict[str, Any]:
    """Figures under `scale.`: steps/s with one and with three bot processes, misordered forms."""
    founders = 60 if quick else 200
    folder = Path(tempfile.mkdtemp(prefix="smebot-bench-scale."))
    cluster = LocalCluster(folder / "cluster")
    try:
        cluster.start()
        one = await _round(folder / "one", cluster.url, 1, founders)
        three = await _round(folder / "three", cluster.url, 3, founders)
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "figures": {
            "scale.steps_per_s_1proc": one["steps_per_s"],
            "scale.steps_per_s_3proc": three["steps_per_s"],
            "scale.misordered": one["misordered"] + three["misordered"],
            "scale.lost": one["lost"] + three["lost"],
        },
        "detail": {"scale": {"one_process": one, "three_processes": three}},
    }
