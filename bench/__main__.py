"""`python -m bench [--quick] [--only form_steps,draft,handoff,memory,flood,broadcast,scale]`: run the scenarios of
issue 5 on this machine, print the table and write `bench/results.json` (`machine`, `figures`,
`targets`, `detail`) and `bench/results.md` (the table, for the README).

`--quick` and `--only` write `bench/results.local.json` instead, so a partial or shortened
run never replaces the figures of a full one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from bench import (
    breakdown,
    broadcast,
    draft_size,
    flood,
    form_steps,
    form_steps_rtt,
    handoff,
    memory,
    scale,
)
from bench.common import ROOT, machine, redis_url

HERE = ROOT / "bench"
SCENARIOS = ("form_steps", "rtt", "draft", "handoff", "memory", "flood", "broadcast", "scale")


@dataclass(frozen=True)
class Target:
    name: str
    figure: Callable[[dict[str, Any]], float]
    goal: str
    met: Callable[[float], bool]
    unit: str = ""


def _ratio(c: int) -> Callable[[dict[str, Any]], float]:
    return lambda f: (
        f[f"form_steps.c{c}.ours_steps_per_s"] / f[f"form_steps.c{c}.baseline_steps_per_s"]
    )


def _over(key: str) -> Callable[[dict[str, Any]], float]:
    return lambda f: f[f"form_steps.{key}.ours_over_baseline"]


def _growth(name: str) -> Callable[[dict[str, Any]], float]:
    return lambda f: f[f"memory.{name}_rss_mb_100k_drafts"] - f[f"memory.{name}_rss_mb_1k_drafts"]


TARGETS = (
    Target("steps/s, ours ÷ baseline, 1 in flight", _ratio(1), "≥ 2×", lambda v: v >= 2, "×"),
    Target("steps/s, ours ÷ baseline, 64 in flight", _ratio(64), "≥ 2×", lambda v: v >= 2, "×"),
    Target("steps/s, ours ÷ baseline, loopback, 1 in flight (issue 15)", _over("c1"), "≥ 1.5×",
           lambda v: v >= 1.5, "×"),
    Target("steps/s, ours ÷ baseline, loopback, 64 in flight (issue 15)", _over("c64"), "≥ 1.5×",
           lambda v: v >= 1.5, "×"),
    Target("steps/s, ours ÷ baseline, Redis 0.5 ms away, 1 in flight", _over("rtt1.c1"), "≥ 3×",
           lambda v: v >= 3, "×"),
    Target("steps/s, ours ÷ baseline, Redis 0.5 ms away, 64 in flight", _over("rtt1.c64"), "≥ 2×",
           lambda v: v >= 2, "×"),
    Target("burst: our misordered forms", lambda f: f["form_steps.burst.ours_misordered"], "0",
           lambda v: v == 0),
    Target("burst: our forms with a lost answer",
           lambda f: f["form_steps.burst.ours_lost"], "0", lambda v: v == 0),
    Target("Redis round trips per step (ours)",
           lambda f: f["form_steps.ours_redis_roundtrips_per_step"], "≤ 2", lambda v: v <= 2),
    Target("draft size (MEMORY USAGE)", lambda f: f["draft.bytes"], "≤ 2048 B", lambda v: v <= 2048, " B"),
    Target("hand-off bundles/s", lambda f: f["handoff.bundles_per_s"], "≥ 500/s", lambda v: v >= 500, "/s"),
    Target("hand-off CPU per bundle in the worker process (PDFs in its render pool)",
           lambda f: f["handoff.worker_cpu_ms_per_bundle"], "≤ 1.5 ms", lambda v: v <= 1.5, " ms"),
    Target("hand-off submit-to-receipt p99", lambda f: f["handoff.p99_ms"], "< 1000 ms",
           lambda v: v < 1000, " ms"),
    Target("bot RSS growth, 1k → 100k drafts", _growth("bot"), "none (≤ 5 MB)", lambda v: v <= 5, " MB"),
    Target("worker RSS growth, 1k → 100k drafts", _growth("worker"), "none (≤ 5 MB)",
           lambda v: v <= 5, " MB"),
    Target("others' p95 beside a 50/s flooder, minus alone", lambda f: f["flood.others_p95_delta_ms"],
           "≤ 10 ms", lambda v: v <= 10, " ms"),
    Target("broadcast: measured rate off the configured 25/s", lambda f: f["broadcast.rate_error_pct"],
           "≤ 5 %", lambda v: v <= 5, " %"),
    Target("broadcast: 429s in steady state", lambda f: f["broadcast.steady_429s"], "0",
           lambda v: v == 0),
    Target("broadcast: raw throughput, no limits", lambda f: f["broadcast.msgs_per_s_unthrottled"],
           "≥ 250/s (10× the rate)", lambda v: v >= 250, "/s"),
    Target("founders' reply p99 during a broadcast", lambda f: f["broadcast.founder_p99_ms_during"],
           "< 100 ms", lambda v: v < 100, " ms"),
    Target("scale-out: misordered or lost forms (1 and 3 processes)",
           lambda f: f["scale.misordered"] + f["scale.lost"], "0", lambda v: v == 0),
)  # fmt: skip

ROWS = (
    ("Form steps, 1 in flight: steps/s (ours / baseline)", "form_steps.c1.ours_steps_per_s", "form_steps.c1.baseline_steps_per_s"),
    ("Form steps, 64 in flight: steps/s (ours / baseline)", "form_steps.c64.ours_steps_per_s", "form_steps.c64.baseline_steps_per_s"),
    ("p50 ms per update, 1 in flight", "form_steps.c1.ours_p50_ms", "form_steps.c1.baseline_p50_ms"),
    ("p99 ms per update, 1 in flight", "form_steps.c1.ours_p99_ms", "form_steps.c1.baseline_p99_ms"),
    ("p50 ms per update, 64 in flight", "form_steps.c64.ours_p50_ms", "form_steps.c64.baseline_p50_ms"),
    ("p99 ms per update, 64 in flight", "form_steps.c64.ours_p99_ms", "form_steps.c64.baseline_p99_ms"),
    ("Steps/s ours ÷ baseline, loopback (1 / 64 in flight)", "form_steps.c1.ours_over_baseline", "form_steps.c64.ours_over_baseline"),
    ("Redis 0.25 ms each way (rtt05): PING p50 ms through the delay proxy / 0.5 ms each way (rtt1)", "form_steps.rtt05.redis_ping_ms", "form_steps.rtt1.redis_ping_ms"),
    ("rtt05, 1 in flight: steps/s (ours / baseline)", "form_steps.rtt05.c1.ours_steps_per_s", "form_steps.rtt05.c1.baseline_steps_per_s"),
    ("rtt05, 64 in flight: steps/s (ours / baseline)", "form_steps.rtt05.c64.ours_steps_per_s", "form_steps.rtt05.c64.baseline_steps_per_s"),
    ("rtt1, 1 in flight: steps/s (ours / baseline)", "form_steps.rtt1.c1.ours_steps_per_s", "form_steps.rtt1.c1.baseline_steps_per_s"),
    ("rtt1, 64 in flight: steps/s (ours / baseline)", "form_steps.rtt1.c64.ours_steps_per_s", "form_steps.rtt1.c64.baseline_steps_per_s"),
    ("Steps/s ours ÷ baseline, rtt05 (1 / 64 in flight)", "form_steps.rtt05.c1.ours_over_baseline", "form_steps.rtt05.c64.ours_over_baseline"),
    ("Steps/s ours ÷ baseline, rtt1 (1 / 64 in flight)", "form_steps.rtt1.c1.ours_over_baseline", "form_steps.rtt1.c64.ours_over_baseline"),
    ("rtt05, 1 in flight: p50 / p99 ms, ours", "form_steps.rtt05.c1.ours_p50_ms", "form_steps.rtt05.c1.ours_p99_ms"),
    ("rtt05, 1 in flight: p50 / p99 ms, baseline", "form_steps.rtt05.c1.baseline_p50_ms", "form_steps.rtt05.c1.baseline_p99_ms"),
    ("rtt05, 64 in flight: p50 / p99 ms, ours", "form_steps.rtt05.c64.ours_p50_ms", "form_steps.rtt05.c64.ours_p99_ms"),
    ("rtt05, 64 in flight: p50 / p99 ms, baseline", "form_steps.rtt05.c64.baseline_p50_ms", "form_steps.rtt05.c64.baseline_p99_ms"),
    ("rtt1, 1 in flight: p50 / p99 ms, ours", "form_steps.rtt1.c1.ours_p50_ms", "form_steps.rtt1.c1.ours_p99_ms"),
    ("rtt1, 1 in flight: p50 / p99 ms, baseline", "form_steps.rtt1.c1.baseline_p50_ms", "form_steps.rtt1.c1.baseline_p99_ms"),
    ("rtt1, 64 in flight: p50 / p99 ms, ours", "form_steps.rtt1.c64.ours_p50_ms", "form_steps.rtt1.c64.ours_p99_ms"),
    ("rtt1, 64 in flight: p50 / p99 ms, baseline", "form_steps.rtt1.c64.baseline_p50_ms", "form_steps.rtt1.c64.baseline_p99_ms"),
    ("Redis round trips per step (client-counted)", "form_steps.ours_redis_roundtrips_per_step", "form_steps.baseline_redis_roundtrips_per_step"),
    ("Redis commands per step (INFO commandstats, incl. inside Lua)", "form_steps.ours_redis_commands_per_step", "form_steps.baseline_redis_commands_per_step"),
    ("Burst (200 founders × 5 at once): misordered forms", "form_steps.burst.ours_misordered", "form_steps.burst.baseline_misordered"),
    ("Burst: forms with a lost answer", "form_steps.burst.ours_lost", "form_steps.burst.baseline_lost"),
    ("Form steps on PTB, 1 in flight: steps/s (ours / textbook PTB, answers in memory, written back every 60 s)", "form_steps.c1.ours_ptb_steps_per_s", "form_steps.c1.ptb_baseline_steps_per_s"),
    ("Form steps on PTB, 64 in flight: steps/s (ours / textbook PTB, answers in memory, written back every 60 s)", "form_steps.c64.ours_ptb_steps_per_s", "form_steps.c64.ptb_baseline_steps_per_s"),
    ("Textbook PTB: p50 / p99 ms per update, 1 in flight", "form_steps.c1.ptb_baseline_p50_ms", "form_steps.c1.ptb_baseline_p99_ms"),
    ("Textbook PTB: p50 / p99 ms per update, 64 in flight", "form_steps.c64.ptb_baseline_p50_ms", "form_steps.c64.ptb_baseline_p99_ms"),
    ("Textbook PTB: s to write back after the 1 / 64 in flight phase", "form_steps.c1.ptb_baseline_write_back_s", "form_steps.c64.ptb_baseline_write_back_s"),
    ("Textbook PTB burst: misordered / lost forms", "form_steps.burst.ptb_baseline_misordered", "form_steps.burst.ptb_baseline_lost"),
    ("Ours on PTB: p50 / p99 ms per update, 1 in flight", "form_steps.c1.ours_ptb_p50_ms", "form_steps.c1.ours_ptb_p99_ms"),
    ("Ours on PTB: p50 / p99 ms per update, 64 in flight", "form_steps.c64.ours_ptb_p50_ms", "form_steps.c64.ours_ptb_p99_ms"),
    ("Ours on PTB burst: misordered / lost forms", "form_steps.burst.ours_ptb_misordered", "form_steps.burst.ours_ptb_lost"),
    ("Subsidy draft at review, MEMORY USAGE bytes (2 / 1 files per document)", "draft.bytes", "draft.bytes_one_file_per_document"),
    ("Hand-off: bundles/s / worker processes (the best of 1-3)", "handoff.bundles_per_s", "handoff.workers"),
    ("Hand-off CPU ms per bundle, 1 worker process (the worker itself / its render pool)", "handoff.worker_cpu_ms_per_bundle", "handoff.render_cpu_ms_per_bundle"),
    ("Hand-off bundles/s with 1 / 2 worker processes (2 CPUs)", "handoff.bundles_per_s_1worker", "handoff.bundles_per_s_2workers"),
    ("Hand-off bundles/s, 1 worker with 1 / 2 render processes (2 CPUs)", "handoff.bundles_per_s_1render", "handoff.bundles_per_s_1worker"),
    ("Hand-off bundles per CPU second (worker and renders) / a render process RSS MB", "handoff.bundles_per_cpu_s", "handoff.render_process_rss_mb"),
    ("Hand-off submit-to-receipt ms at 500/s offered (p50 / p99)", "handoff.p50_ms", "handoff.p99_ms"),
    ("Hand-off submit-to-receipt ms at 80% of capacity (p50 / p99)", "handoff.sustained_p50_ms", "handoff.sustained_p99_ms"),
    ("Bot RSS MB (1k / 100k drafts)", "memory.bot_rss_mb_1k_drafts", "memory.bot_rss_mb_100k_drafts"),
    ("Worker RSS MB (1k / 100k drafts)", "memory.worker_rss_mb_1k_drafts", "memory.worker_rss_mb_100k_drafts"),
    ("Flood: others' reply ms, p50 (alone / beside one founder sending 50/s)", "flood.others_p50_ms_no_flood", "flood.others_p50_ms_flood"),
    ("Flood: others' reply ms, p95 (alone / beside one founder sending 50/s)", "flood.others_p95_ms_no_flood", "flood.others_p95_ms_flood"),
    ("Flood: the flooder's messages sent / processed (the rest skipped)", "flood.flooder_sent", "flood.flooder_processed"),
    ("Flood: founders answering / bot RSS growth MB during the flood", "flood.founders", "flood.rss_growth_mb"),
    ("Broadcast: msgs/s unthrottled / measured at 25/s configured", "broadcast.msgs_per_s_unthrottled", "broadcast.msgs_per_s_measured"),
    ("Broadcast: rate error % / 429s at 25/s under Telegram's limits", "broadcast.rate_error_pct", "broadcast.steady_429s"),
    ("Broadcast: founders' reply ms p99 (alone / during a broadcast)", "broadcast.founder_p99_ms_alone", "broadcast.founder_p99_ms_during"),
    ("Scale-out behind HAProxy, Redis Cluster: steps/s (1 / 3 bot processes)", "scale.steps_per_s_1proc", "scale.steps_per_s_3proc"),
    ("Scale-out: misordered / lost forms (both runs)", "scale.misordered", "scale.lost"),
)  # fmt: skip


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(figures: dict[str, Any], targets: list[dict[str, Any]]) -> str:
    lines = ["| Figure | A | B |", "|---|---:|---:|"]
    for label, a, b in ROWS:
        if a in figures or b in figures:
            lines.append(f"| {label} | {_fmt(figures.get(a, '–'))} | {_fmt(figures.get(b, '–'))} |")
    lines += ["", "| Target | Measured | Goal | Met |", "|---|---:|---|---|"]
    for t in targets:
        lines.append(f"| {t['target']} | {_fmt(t['measured'])}{t['unit']} | {t['goal']} |"
                     f" {'yes' if t['met'] else '**no**'} |")  # fmt: skip
    return "\n".join(lines)


def evaluate(figures: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for t in TARGETS:
        try:
            value = round(float(t.figure(figures)), 2)
        except KeyError:
            continue
        out.append(
            {
                "target": t.name,
                "measured": value,
                "goal": t.goal,
                "met": t.met(value),
                "unit": t.unit,
            }
        )
    return out


async def main(args: argparse.Namespace) -> int:
    chosen = args.only.split(",") if args.only else list(SCENARIOS)
    figures: dict[str, Any] = {}
    detail: dict[str, Any] = {}
    started = time.perf_counter()
    with redis_url() as url:
        redis = Redis.from_url(url, decode_responses=False)
        try:
            host = await machine(redis)
            print(f"bench on {host.cpu_model} × {host.cpu_count}, Python {host.python}, "
                  f"Redis {host.redis}", flush=True)  # fmt: skip
            for name in chosen:
                print(f"{name}:", flush=True)
                if name == "form_steps":
                    result = await form_steps.run(url, quick=args.quick)
                    parts = await breakdown.run(url, 30 if args.quick else 60)
                    result["detail"]["form_steps.breakdown_ms_per_step_c1"] = parts
                    for side, spent in parts.items():
                        print(f"  where a step's {spent['total']:.2f} ms go ({side}, 1 in flight): "
                              + ", ".join(f"{k} {v:.2f}" for k, v in spent.items() if k != "total"))  # fmt: skip
                elif name == "rtt":
                    result = await form_steps_rtt.run(url, quick=args.quick)
                elif name == "draft":
                    result = await draft_size.run(redis)
                elif name == "handoff":
                    result = await handoff.run(url, redis, quick=args.quick)
                elif name == "memory":
                    result = await memory.run(url, redis, quick=args.quick)
                elif name == "flood":
                    result = await flood.run(url, redis, quick=args.quick)
                elif name == "broadcast":
                    result = await broadcast.run(url, redis, quick=args.quick)
                elif name == "scale":
                    result = await scale.run(quick=args.quick)
                else:
                    raise SystemExit(
                        f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}"
                    )
                figures.update(result["figures"])
                detail.update(result.get("detail", {}))
        finally:
            await redis.aclose()
    targets = evaluate(figures)
    report = {
        "machine": host.as_json(),
        "figures": figures,
        "targets": targets,
        "detail": detail,
        "run": {
            "quick": args.quick,
            "scenarios": chosen,
            "seconds": round(time.perf_counter() - started, 1),
        },
    }
    partial = args.quick or bool(args.only)
    out = HERE / ("results.local.json" if partial else "results.json")
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    text = table(figures, targets)
    print()
    print(
        f"Machine: {host.cpu_model}, {host.cpu_count} CPUs; {host.date}; Python {host.python}; Redis {host.redis}"
    )
    print("A = ours, B = baseline (textbook aiogram) unless the row says otherwise.")
    print(text)
    print(f"\nwrote {out.relative_to(ROOT)} in {report['run']['seconds']} s")
    if not partial:
        (HERE / "results.md").write_text(
            f"Measured by `make bench` on {host.cpu_model}, {host.cpu_count} CPUs, {host.date} "
            f"(Python {host.python}, Redis {host.redis}). A = ours, B = the textbook aiogram "
            f"baseline unless the row says otherwise.\n\n{text}\n"
        )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="fewer founders and bundles (a smoke run)"
    )
    parser.add_argument(
        "--only", default="", help=f"comma-separated subset of {', '.join(SCENARIOS)}"
    )
    logging.basicConfig(level=logging.ERROR)
    raise SystemExit(asyncio.run(main(parser.parse_args())))
