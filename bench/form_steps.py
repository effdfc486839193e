"""Scenario 1: the 12-step form, ours (real aiogram dispatcher, real Redis) beside the textbook
aiogram baseline and the textbook python-telegram-bot baseline, at 1 and 64 updates in flight,
and a burst of 5 answers at once.

A step is one founder answer (one update: a tap or a typed message) through the side's `feed`
(aiogram `feed_update`, or PTB's update processor and `process_update`); the `/start` that opens
the form is sent before the clock starts. Each founder answers in turn, the next answer after the
bot's reply to the previous one, as a person does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bench.common import BenchError, commandstats, drop_prefix, new_prefix, percentile, stats_delta
from bench.form import BURST, Answer, answers_of
from bench.ptb_sides import ours_ptb, ptb_textbook
from bench.sides import Side, ours, textbook


@dataclass
class Run:
    """What one timed phase measured."""

    steps: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    round_trips: int = 0
    commands: dict[str, int] = field(default_factory=dict)
    settle_seconds: float | None = None  # the side's deferred writes after the phase

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.seconds

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000

    @property
    def commands_per_step(self) -> float:
        return sum(self.commands.values()) / self.steps


async def feed(side: Side, update: Any, latencies: list[float] | None = None) -> None:
    started = time.perf_counter()
    await side.feed(update)
    if latencies is not None:
        latencies.append(time.perf_counter() - started)


def update_for(side: Side, user_id: int, answer: Answer) -> Any:
    if answer.typed is not None:
        return side.client.text(user_id, answer.typed)
    data = side.pick(side.record.buttons(user_id), answer.field, answer.tap)
    if data is None:
        raise BenchError(
            f"{side.name}: founder {user_id} has no button {answer.tap!r} for {answer.field}"
        )
    return side.client.tap(user_id, data)


async def fill(
    side: Side, user_id: int, answers: Iterable[Answer], latencies: list[float] | None
) -> int:
    steps = 0
    for answer in answers:
        await feed(side, update_for(side, user_id, answer), latencies)
        steps += 1
    return steps


async def each(founders: list[int], concurrency: int, job: Any) -> None:
    """Run `job(founder)` for every founder, `concurrency` at a time."""
    queue = list(reversed(founders))

    async def lane() -> None:
        while queue:
            await job(queue.pop())

    await asyncio.gather(*(lane() for _ in range(concurrency)))


async def open_forms(side: Side, founders: list[int], concurrency: int) -> None:
    await each(founders, concurrency, lambda u: feed(side, side.client.text(u, side.start)))


async def check(side: Side, founders: list[int], upto: int = 12) -> tuple[list[int], list[int]]:
    """Founders whose form holds an answer in the wrong field (misordered), and founders whose
    form only lacks answers (lost: refused or not saved), after their first `upto` answers."""
    misordered, lost = [], []
    for user_id in founders:
        got = await side.stored(user_id)
        expected = {a.field: a.stored for a in answers_of(user_id)[:upto]}
        wrong = {k for k, v in expected.items() if k in got and got[k] != v}
        if wrong:
            misordered.append(user_id)
        elif any(k not in got for k in expected):
            lost.append(user_id)
    return misordered, lost


async def timed(side: Side, founders: list[int], concurrency: int) -> Run:
    """Open every form, then time every founder answering all 12 questions."""
    await open_forms(side, founders, concurrency)
    run = Run()
    before = await commandstats(side.redis) if side.redis is not None else {}
    trips = side.trips.count if side.trips is not None else 0

    async def founder(user_id: int) -> None:
        steps = await fill(side, user_id, answers_of(user_id), run.latencies)
        run.steps += steps

    started = time.perf_counter()
    await each(founders, concurrency, founder)
    run.seconds = time.perf_counter() - started
    if side.redis is not None and side.trips is not None:
        run.round_trips = side.trips.count - trips
        run.commands = stats_delta(before, await commandstats(side.redis))
    if side.settle is not None:
        run.settle_seconds = await side.settle()
    misordered, lost = await check(side, founders)
    wrong = misordered + lost
    if wrong:
        raise BenchError(f"{side.name}: {len(wrong)} founders' forms are wrong, e.g. {wrong[:3]}")
    return run


async def burst(side: Side, founders: list[int]) -> tuple[int, int, float]:
    """Each founder sends the 5 typed answers at once: how many forms hold an answer in the
    wrong field, how many lack one, and how long the 1000 answers took."""
    await open_forms(side, founders, 64)
    first_two = lambda u: fill(side, u, answers_of(u)[: BURST.start], None)
    await each(founders, 64, first_two)
    batches = [[side.client.text(u, a.typed or "") for a in answers_of(u)[BURST]] for u in founders]
    started = time.perf_counter()
    await asyncio.gather(*(asyncio.gather(*(feed(side, u) for u in batch)) for batch in batches))
    seconds = time.perf_counter() - started
    misordered, lost = await check(side, founders, BURST.stop)
    return len(misordered), len(lost), seconds


def record(
    figures: dict[str, Any], detail: dict[str, Any], key: str, name: str, side: Side, result: Run
) -> None:
    """Put one timed phase's figures under `key` (`form_steps.c<n>`) and print them."""
    figures[f"{key}.{name}_steps_per_s"] = round(result.steps_per_s, 1)
    figures[f"{key}.{name}_p50_ms"] = round(result.ms(50), 2)
    figures[f"{key}.{name}_p99_ms"] = round(result.ms(99), 2)
    extra = ""
    if side.redis is not None:
        trips, commands = result.round_trips / result.steps, result.commands_per_step
        figures[f"{key}.{name}_redis_roundtrips_per_step"] = round(trips, 2)
        figures[f"{key}.{name}_redis_commands_per_step"] = round(commands, 2)
        extra = f"  {trips:.2f} round trips/step  {commands:.2f} commands/step"
    if result.settle_seconds is not None:
        figures[f"{key}.{name}_write_back_s"] = round(result.settle_seconds, 3)
        extra = f"  then {result.settle_seconds:.2f} s writing back"
    detail[f"{key}.{name}"] = {"steps": result.steps, "seconds": round(result.seconds, 3),
                               "commands": result.commands}  # fmt: skip
    print(f"  form_steps {key.removeprefix('form_steps.'):<9} {name:<12} {result.steps_per_s:8.1f} steps/s"
          f"  p50 {result.ms(50):6.2f} ms  p99 {result.ms(99):7.2f} ms{extra}", flush=True)  # fmt: skip


def ratio(figures: dict[str, Any], key: str) -> None:
    """`<key>.ours_over_baseline`: our steps/s over the textbook aiogram baseline's."""
    value = figures[f"{key}.ours_steps_per_s"] / figures[f"{key}.baseline_steps_per_s"]
    figures[f"{key}.ours_over_baseline"] = round(value, 2)
    print(
        f"  form_steps {key.removeprefix('form_steps.')}: ours ÷ baseline {value:.2f}×", flush=True
    )


async def warm_up(side: Side, first: int) -> None:
    """64 founders through the whole form, untimed: connections, scripts and caches warm."""
    warm = list(range(first, first + 64))
    await open_forms(side, warm, 64)
    await each(warm, 64, lambda u: fill(side, u, answers_of(u), None))
    if side.settle is not None:
        await side.settle()


async def create_sides(url: str, prefixes: dict[str, str]) -> dict[str, Side]:
    """Ours on each runtime and the two textbook baselines."""
    return {"ours": ours(url, prefixes["ours"]), "baseline": textbook(url, prefixes["baseline"]),
            "ptb_baseline": await ptb_textbook(),
            "ours_ptb": await ours_ptb(url, prefixes["ours_ptb"])}  # fmt: skip


async def run(url: str, *, quick: bool = False) -> dict[str, Any]:
    """Every measurement of scenario 1; figures under `form_steps.`."""
    sizes = {1: 30 if quick else 80, 64: 128 if quick else 640}
    prefixes = {name: new_prefix(code) for name, code in
                (("ours", "o"), ("baseline", "b"), ("ours_ptb", "q"))}  # fmt: skip
    sides = await create_sides(url, prefixes)
    ids = iter(range(10_000_000, 1_000_000_000, 100_000))
    figures: dict[str, Any] = {}
    detail: dict[str, Any] = {}
    try:
        for side in sides.values():
            await warm_up(side, next(ids))
        for concurrency, founders in sizes.items():
            for name, side in sides.items():
                start = next(ids)
                result = await timed(side, list(range(start, start + founders)), concurrency)
                record(figures, detail, f"form_steps.c{concurrency}", name, side, result)
            ratio(figures, f"form_steps.c{concurrency}")
        for name, side in sides.items():
            if side.redis is None:
                continue
            trips = [figures[f"form_steps.c{c}.{name}_redis_roundtrips_per_step"] for c in sizes]
            figures[f"form_steps.{name}_redis_roundtrips_per_step"] = max(trips)
            commands = [figures[f"form_steps.c{c}.{name}_redis_commands_per_step"] for c in sizes]
            figures[f"form_steps.{name}_redis_commands_per_step"] = max(commands)
        for name, side in sides.items():
            start = next(ids)
            misordered, lost, seconds = await burst(side, list(range(start, start + 200)))
            figures[f"form_steps.burst.{name}_misordered"] = misordered
            figures[f"form_steps.burst.{name}_lost"] = lost
            figures[f"form_steps.burst.{name}_seconds"] = round(seconds, 3)
            print(f"  form_steps burst {name:<13} of 200 forms: {misordered} misordered, {lost} lost"
                  f" answers  ({seconds:.2f} s for 1000 answers)", flush=True)  # fmt: skip
        for name, side in sides.items():
            if side.finish is not None:
                detail[f"form_steps.{name}.persistence"] = after = await side.finish()
                print(f"  form_steps {name} persistence: {after}", flush=True)
    finally:
        for name, side in sides.items():
            if side.redis is not None:
                await drop_prefix(side.redis, prefixes[name])
            await side.close()
    return {"figures": figures, "detail": detail}
