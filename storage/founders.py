"""A founder's state in Redis: preferences, profile and one draft per flow, as revisioned JSON.

Every update of a founder runs as a *turn*: `begin` (one round trip: duplicate check, wait for
the founder's earlier updates, read every record) and `commit` (one round trip: compare-and-set
on the revision, write what changed, remember the update id, end the turn).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

from flows.draft import Draft, FounderState, Prefs
from storage.errors import DraftConflict, StorageUnavailable, TurnTimeout
from storage.keys import KeyBuilder
from storage.scripts import BEGIN, COMMIT, RELEASE

log = logging.getLogger(__name__)
SEEN_TTL = timedelta(days=2)


@dataclass
class Turn:
    """One update's exclusive hold on a founder's records, and what they held when it began."""

    state: FounderState
    token: str
    revision: str
    update_id: int | None


class FounderStore:
    """Loads and saves `FounderState` with one Redis round trip each way."""

    def __init__(
        self,
        redis: Redis,
        flows: Sequence[str],
        *,
        keys: KeyBuilder | None = None,
        draft_ttl: timedelta = timedelta(days=30),
        profile_ttl: timedelta = timedelta(days=365),
        lease: timedelta = timedelta(seconds=10),
        max_wait: timedelta = timedelta(seconds=30),
    ) -> None:
        self.redis = redis
        self.flows = tuple(flows)
        self.keys = keys or KeyBuilder()
        self.draft_ttl_ms = int(draft_ttl.total_seconds() * 1000)
        self.profile_ttl_ms = int(profile_ttl.total_seconds() * 1000)
        self.lease_ms = int(lease.total_seconds() * 1000)
        self.max_wait = max_wait.total_seconds()
        self._begin = redis.register_script(BEGIN)
        self._commit = redis.register_script(COMMIT)
        self._release = redis.register_script(RELEASE)

    def _key(self, user_id: int, *parts: str) -> str:
        return self.keys.founder(user_id, *parts)

    def _control(self, user_id: int) -> list[str]:
        return [
            self._key(user_id, "queue"),
            self._key(user_id, "leases"),
            self._key(user_id, "seen"),
        ]

    def _records(self, user_id: int) -> list[str]:
        return [self._key(user_id, name) for name in ("rev", "prefs", "profile")] + [
            self._key(user_id, "draft", flow) for flow in self.flows
        ]

    async def begin(
        self, user_id: int, update_id: int | None = None, *, token: str | None = None
    ) -> Turn | None:
        """Wait for this founder's turn and read their state; None when the update was handled before.

        Pass the token of a turn whose commit conflicted to read again without losing its place.
        """
        token = token or uuid.uuid4().hex
        keys = self._control(user_id) + self._records(user_id)
        deadline = time.monotonic() + self.max_wait
        pause = 0.002
        while True:
            args: list[str | int] = [
                token,
                int(time.time() * 1000),
                self.lease_ms,
                "" if update_id is None else update_id,
            ]
            try:
                answer = await self._begin(keys=keys, args=args)
            except RedisError as exc:
                raise StorageUnavailable(str(exc)) from exc
            status = answer[0].decode() if isinstance(answer[0], bytes) else str(answer[0])
            if status == "dup":
                return None
            if status == "ok":
                return self._turn(user_id, token, update_id, answer[1])
            if time.monotonic() > deadline:
                await self.release(user_id, token)
                raise TurnTimeout(f"founder {user_id}: earlier updates still running")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.02)

    def _turn(
        self, user_id: int, token: str, update_id: int | None, raw: list[bytes | None]
    ) -> Turn:
        rev, prefs, profile, *drafts = raw
        state = FounderState(user_id=user_id)
        if prefs:
            state.prefs = Prefs.from_json(_loads(prefs))
        if profile:
            state.profile = _loads(profile)
        for flow, blob in zip(self.flows, drafts, strict=True):
            if blob:
                data = _loads(blob)
                if data:
                    state.drafts[flow] = Draft.from_json(data)
        revision = rev.decode() if rev else "0"
        return Turn(state=state, token=token, revision=revision, update_id=update_id)

    async def commit(self, turn: Turn) -> str:
        """Write the records the turn changed and end it; DraftConflict when someone else wrote."""
        state = turn.state
        keys = self._control(state.user_id) + [self._key(state.user_id, "rev")]
        args: list[Any] = [
            turn.token,
            turn.revision,
            "" if turn.update_id is None else turn.update_id,
            int(SEEN_TTL.total_seconds() * 1000),
            self.profile_ttl_ms,
        ]
        for record in sorted(state.changed):
            value, ttl = self._encode(state, record)
            keys.append(self._key(state.user_id, *record.split(":")))
            args += [value, ttl]
        try:
            answer = await self._commit(keys=keys, args=args)
        except RedisError as exc:
            raise StorageUnavailable(str(exc)) from exc
        if answer[0] == b"conflict":
            raise DraftConflict(f"founder {state.user_id}: revision {turn.revision} is stale")
        state.changed.clear()
        return str(answer[1].decode())

    def _encode(self, state: FounderState, record: str) -> tuple[str, int]:
        if record == "prefs":
            return _dumps(state.prefs.to_json()), self.profile_ttl_ms
        if record == "profile":
            return _dumps(state.profile), self.profile_ttl_ms
        flow = record.split(":", 1)[1]
        draft = state.drafts.get(flow)
        return (_dumps(draft.to_json()), self.draft_ttl_ms) if draft else ("", 0)

    async def release(self, user_id: int, token: str) -> None:
        """End a turn without writing (the update failed before it could commit)."""
        try:
            await self._release(keys=self._control(user_id)[:2], args=[token])
        except RedisError:
            log.warning("could not release turn of founder %s; its lease will run out", user_id)

    async def peek(self, user_id: int) -> FounderState:
        """Read a founder's state outside any turn (for tools and tests)."""
        try:
            raw = cast(list[bytes | None], await self.redis.mget(self._records(user_id)))
        except RedisError as exc:
            raise StorageUnavailable(str(exc)) from exc
        return self._turn(user_id, "", None, raw).state


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _loads(blob: bytes) -> Any:
    try:
        return json.loads(blob)
    except ValueError:
        log.error("dropping a record that is not valid JSON")
        return {}
