"""Operator commands: `dead-letters list|show REF|requeue REF|drop REF [--yes]`, `timers list`
and `doctor`.

Exit codes: 0 done, 1 refused, not found or a problem found, 2 configuration error (raised
to `bot.__main__`). Output holds references, offices and reasons, never personal data.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bot.config import Settings
from storage.dead_letters import DeadLetter, DeadLetterStore
from storage.keys import KeyBuilder
from storage.migrate import Migration
from storage.outbox import OutboxStore
from storage.statuses import StatusStore
from storage.timers import TimerStore

REASON_WIDTH = 100
SHOWN = ("reference", "office", "flow", "programme", "submitted_at", "attempt", "entry_id")


def add_parsers(sub: Any) -> None:
    """Add `dead-letters`, `timers`, `doctor` and `migrate-keys` to the subcommands of
    `python -m bot`."""
    dead = sub.add_parser("dead-letters", help="inspect, requeue or drop failed deliveries")
    action = dead.add_subparsers(dest="action", required=True)
    action.add_parser("list", help="one line per dead letter")
    for name, what in (
        ("show", "the entry, its delivery record and status history"),
        ("requeue", "put it back on the outbox for a fresh attempt"),
        ("drop", "delete it from the dead letters"),
    ):
        one = action.add_parser(name, help=what)
        one.add_argument("reference")
        if name == "drop":
            one.add_argument("--yes", action="store_true", help="really drop it")
    timers = sub.add_parser("timers", help="list timed events: pending, in flight, dead")
    timers.add_subparsers(dest="action", required=True).add_parser(
        "list", help="one line per timed event (id, kind, state, due time, attempts)"
    )
    sub.add_parser("doctor", help="check Redis, the data keys and the agencies; one line each")
    sub.add_parser(
        "migrate-keys", help="move a store of key schema v1 to v2's shards (run it once, stopped)"
    )


async def main(argv: list[str], settings: Settings | None = None) -> int:
    """Parse an operator command line and run it (tests call this with their settings)."""
    parser = argparse.ArgumentParser(prog="python -m bot")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    return await run(parser.parse_args(argv), settings or Settings())


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run `dead-letters …`, `timers list`, `doctor` or `migrate-keys` with parsed arguments."""
    from bot.wiring import create_redis

    redis = create_redis(settings)
    try:
        if args.command == "doctor":
            from bot.doctor import diagnose
            from bot.wiring import create_app

            print(f"Redis: {settings.redis_target().describe()}")
            problems = await diagnose(create_app(settings, redis))
            for problem in problems:
                print(problem.line())
            if not any(not p.warning for p in problems):
                print("all checks passed")
                return 0
            return 1
        keys = KeyBuilder(settings.redis_prefix)
        if args.command == "migrate-keys":
            moved = await Migration(redis, keys).run()
            print(
                "moved to key schema v2: "
                + (", ".join(f"{n} {k}" for k, n in moved.items()) or "nothing")
            )
            return 0
        if args.command == "timers":
            return await list_timers(TimerStore(redis, keys))
        ops = DeadLetterOps(DeadLetterStore(redis, keys), OutboxStore(redis, keys), redis, keys)
        return await ops.dispatch(args)
    finally:
        await redis.aclose()


class DeadLetterOps:
    """The `dead-letters` actions, printing to stdout (refusals to stderr)."""

    def __init__(self, dead: DeadLetterStore, outbox: OutboxStore, redis: Any, keys: KeyBuilder):
        self.dead = dead
        self.outbox = outbox
        self.statuses = StatusStore(redis, keys)

    async def dispatch(self, args: argparse.Namespace) -> int:
        if args.action == "list":
            return await self.list()
        reference: str = args.reference
        if not reference or ":" in reference:
            return _refuse(f"{reference!r} is not a submission reference")
        if args.action == "show":
            return await self.show(reference)
        if args.action == "requeue":
            return await self.requeue(reference)
        return await self.drop(reference, yes=bool(args.yes))

    async def list(self) -> int:
        letters = await self.dead.all()
        for letter in letters:
            print(_line(letter))
        if not letters:
            print("no dead letters")
        return 0

    async def show(self, reference: str) -> int:
        letter = await self.dead.find(reference)
        if letter is None:
            return _refuse(f"no dead letter for {reference}")
        print(f"dead letter {letter.id}")
        for name in SHOWN:
            if letter.fields.get(name):
                print(f"  {name}: {letter.fields[name]}")
        print(f"  dead_at: {_when(letter.fields.get('dead_at', ''))}")
        print(f"  reason: {_short(letter.fields.get('reason', ''), 1000)}")
        record = await self.outbox.delivery(reference)
        print("delivery record")
        for name in ("attempts", "last_error", "dead_at", "requeued_at", "delivered_at"):
            if name in record:
                value = _when(record[name]) if name.endswith("_at") else record[name]
                print(f"  {name}: {_short(value, 1000)}")
        history = await self.statuses.history(reference)
        latest = history[-1].status if history else "submitted"
        changes = f"{len(history)} change{'' if len(history) == 1 else 's'}"
        print(f"status history: {changes} (latest: {latest})")
        return 0

    async def requeue(self, reference: str) -> int:
        outcome, new_id = await self.dead.requeue(reference, at=time.time())
        if outcome == "delivered":
            return _refuse(f"{reference} was delivered already; nothing requeued")
        if outcome == "missing":
            return _refuse(f"no dead letter for {reference}")
        print(f"requeued {reference} as outbox entry {new_id}")
        return 0

    async def drop(self, reference: str, *, yes: bool) -> int:
        letter = await self.dead.find(reference)
        if letter is None:
            return _refuse(f"no dead letter for {reference}")
        if not yes:
            return _refuse(f"would drop {_line(letter)}; run again with --yes to drop it")
        dropped = await self.dead.drop(reference)
        print(f"dropped {dropped} dead letter(s) of {reference}")
        return 0


async def list_timers(store: TimerStore) -> int:
    """One line per timed event: id, kind, state, due time, attempts, and the last error or why
    it died. Payloads are not shown."""
    lines = []
    for event in await store.pending():
        state = "scheduled" if event.leased_until is None else "in-flight"
        error = [event.last_error] if event.last_error else []
        lines.append([event.id, event.kind, state, _when(str(event.due_at)), event.attempt, *error])
    for event_id, dead in sorted((await store.dead_letters()).items()):
        reason = _short(str(dead.get("reason", "")), REASON_WIDTH)
        due = _when(str(dead.get("due_at")))
        lines.append([event_id, dead.get("kind"), "dead", due, dead.get("attempts"), reason])
    for line in lines:
        print("  ".join(str(part) for part in line))
    if not lines:
        print("no timed events")
    return 0


def _refuse(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def _line(letter: DeadLetter) -> str:
    f = letter.fields
    when = _when(f.get("dead_at", ""))
    reason = _short(f.get("reason", ""), REASON_WIDTH)
    return f"{letter.id}  {letter.reference or '?'}  {f.get('office', '?')}  {when}  {reason}"


def _short(value: str, width: int) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _when(seconds: str) -> str:
    """Seconds since the epoch as UTC time; '?' when it is not a number."""
    try:
        return datetime.fromtimestamp(float(seconds), UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        return "?"
