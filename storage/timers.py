"""Timed events (reminders, deadline checks, scheduled announcements) persisted in Redis: a
schedule of due times, the events' records, and claims with leases. Each move is one script.

An event is *scheduled* (in `due`, scored by due time) or *in flight* (in `leases`, scored by
when its claim's lease runs out); `done` deletes it, `dead` keeps it for an operator. Payloads
hold references and ids only, never personal data: see `TimerStore.schedule`. The scripts:
`storage.timer_scripts`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from redis.asyncio import Redis

from storage.errors import text, unavailable
from storage.keys import KeyBuilder
from storage.timer_scripts import CANCEL, CLAIM, DEAD, DONE, RECLAIM, RELEASE, SCHEDULE

MAX_PAYLOAD_BYTES = 2048
MAX_NAME = 128  # an event id or kind, in ASCII characters


class PayloadTooLarge(ValueError):
    """A timed event's payload is over the store's bound (pass references, not content)."""


@dataclass(frozen=True)
class TimedEvent:
    """One timed event. `attempt` counts earlier failed attempts (a lost lease counts);
    `token` names the claim a worker holds ('' when not claimed); times are epoch seconds."""

    id: str
    kind: str
    due_at: float
    payload: dict[str, Any] = field(default_factory=dict)
    attempt: int = 0
    last_error: str = ""
    token: str = ""
    leased_until: float | None = None


class TimerStore:
    """Timed events under `{prefix}:v2:{timers}:*` (see `KeyBuilder.timers`), all in one
    Cluster slot. Nothing expires: a pending event is kept until it fires or is cancelled."""

    def __init__(
        self, redis: Redis, keys: KeyBuilder, *, max_payload_bytes: int = MAX_PAYLOAD_BYTES
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.max_payload_bytes = max_payload_bytes
        self._schedule = redis.register_script(SCHEDULE)
        self._cancel = redis.register_script(CANCEL)
        self._claim = redis.register_script(CLAIM)
        self._reclaim = redis.register_script(RECLAIM)
        self._done = redis.register_script(DONE)
        self._release = redis.register_script(RELEASE)
        self._dead = redis.register_script(DEAD)

    def _k(self, *parts: str) -> list[str]:
        return [self.keys.timers(part) for part in parts]

    async def schedule(
        self, event_id: str, kind: str, due_at: float, payload: dict[str, Any]
    ) -> bool:
        """Schedule `kind` at `due_at`; the same id again replaces its time and payload (even
        in flight: that claim can no longer settle it). True when it replaced one.

        The payload is JSON of at most `max_payload_bytes` and holds references and ids (a
        submission reference, a founder's address key), never personal data in plain text:
        the handler reads the record it names. Raises ValueError otherwise (PayloadTooLarge
        for the size).
        """
        _check_name("event id", event_id)
        _check_name("kind", kind)
        if not isinstance(payload, dict):
            raise TypeError("a timed event's payload is a JSON object")
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        if len(body.encode("utf-8")) > self.max_payload_bytes:
            raise PayloadTooLarge(f"payload of {event_id} is over {self.max_payload_bytes} bytes")
        record = json.dumps({"kind": kind, "due_at": float(due_at), "payload": payload})
        keys = self._k("due", "leases", "events", "state", "dead")
        with unavailable():
            return bool(await self._schedule(keys=keys, args=[event_id, record, _ms(due_at)]))

    async def cancel(self, event_id: str) -> bool:
        """Cancel a pending or in-flight event; False when there was none (fired, cancelled,
        dead-lettered or never scheduled): nothing changes then."""
        with unavailable():
            return bool(
                await self._cancel(
                    keys=self._k("due", "leases", "events", "state"), args=[event_id]
                )
            )

    async def get(self, event_id: str) -> TimedEvent | None:
        """The pending or in-flight event of this id, or None."""
        with unavailable():
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hget(self.keys.timers("events"), event_id)
                pipe.hget(self.keys.timers("state"), event_id)
                pipe.zscore(self.keys.timers("leases"), event_id)
                record, state, lease = await pipe.execute()
        if record is None:
            return None
        return _event(event_id, record, state, None if lease is None else lease / 1000)

    async def claim(self, now: float, limit: int, lease_s: float) -> list[TimedEvent]:
        """Take up to `limit` events due by `now` (earliest first) for `lease_s` seconds,
        atomically: no other claim gets them while the lease holds."""
        token = uuid.uuid4().hex
        until = _ms(now + lease_s)
        keys = self._k("due", "leases", "events", "state")
        with unavailable():
            reply = cast(
                list[bytes], await self._claim(keys=keys, args=[_ms(now), limit, until, token])
            )
        return [
            _event(text(reply[i]), reply[i + 1], reply[i + 2], until / 1000)
            for i in range(0, len(reply), 3)
        ]

    async def reclaim(self, now: float, limit: int) -> list[str]:
        """Events whose lease ran out by `now` (their worker died or stalled) are due again at
        once, one attempt counted; the late claim can no longer settle them. Their ids."""
        with unavailable():
            ids = await self._reclaim(
                keys=self._k("due", "leases", "state"), args=[_ms(now), limit]
            )
        return [text(i) for i in cast(list[bytes], ids)]

    async def done(self, event: TimedEvent) -> bool:
        """Ack a fired event: it is deleted. False (nothing changed) when the claim was lost:
        its lease ran out, or it was cancelled or rescheduled meanwhile."""
        keys = self._k("leases", "events", "state")
        with unavailable():
            return bool(await self._done(keys=keys, args=[event.id, event.token]))

    async def release(self, event: TimedEvent, retry_at: float, error: str) -> bool:
        """Give a claimed event back after a failed attempt, due again at `retry_at` with one
        more attempt counted; False when the claim was lost."""
        args: list[str | int] = [event.id, event.token, _ms(retry_at), event.attempt + 1, error]
        with unavailable():
            return bool(await self._release(keys=self._k("leases", "due", "state"), args=args))

    async def dead(self, event: TimedEvent, reason: str, *, attempts: int, at: float) -> bool:
        """Move a claimed event to the dead letters with `reason`; False when the claim was lost."""
        record = {
            "kind": event.kind,
            "due_at": event.due_at,
            "payload": event.payload,
            "attempts": attempts,
            "reason": reason,
            "dead_at": at,
        }
        args = [event.id, event.token, json.dumps(record, ensure_ascii=False)]
        with unavailable():
            return bool(
                await self._dead(keys=self._k("leases", "events", "state", "dead"), args=args)
            )

    async def pending(self, count: int = 1000) -> list[TimedEvent]:
        """Up to `count` scheduled events, earliest due first, then the ones in flight."""
        with unavailable():
            due = await self.redis.zrange(self.keys.timers("due"), 0, count - 1)
            leased = await self.redis.zrange(self.keys.timers("leases"), 0, count - 1)
        found = [await self.get(text(i)) for i in [*due, *leased]]
        return [event for event in found if event is not None]

    async def dead_letters(self) -> dict[str, dict[str, Any]]:
        """The dead-lettered events by id: kind, due_at, payload, attempts, reason, dead_at."""
        with unavailable():
            raw = await self.redis.hgetall(self.keys.timers("dead"))
        return {text(k): json.loads(v) for k, v in raw.items()}

    async def backlog(self, now: float) -> tuple[int, int]:
        """For the operators' gauges: how many events are due by `now` and not claimed, and
        how many are dead letters. One round trip."""
        with unavailable():
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.zcount(self.keys.timers("due"), "-inf", _ms(now))
                pipe.hlen(self.keys.timers("dead"))
                due, dead = await pipe.execute()
        return int(due), int(dead)


def _check_name(what: str, name: str) -> None:
    if not name or len(name) > MAX_NAME or not name.isascii() or not name.isprintable():
        raise ValueError(f"bad timed event {what} {name!r}")
    if any(c.isspace() for c in name):
        raise ValueError(f"bad timed event {what} {name!r}")


def _event(event_id: str, record: bytes, state: bytes | None, leased: float | None) -> TimedEvent:
    body = json.loads(record)
    held = json.loads(state) if state else {}
    return TimedEvent(
        event_id,
        body["kind"],
        float(body["due_at"]),
        body["payload"],
        int(held.get("attempt", 0)),
        str(held.get("last_error", "")),
        str(held.get("token", "")),
        leased if held.get("token") else None,
    )


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
