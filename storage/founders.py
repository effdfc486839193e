"""A founder's state in Redis: preferences, profile, application index and drafts, as JSON.

A turn is `begin` (one round trip: duplicate check, wait in line, read every record) and `commit`
(one round trip: the turn still held, compare-and-set on the revision, write records and new
submissions, end it); `settle` finds out what became of a commit whose reply never came. While a
turn runs, `heartbeat` keeps its short lease alive.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple, cast

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from flows.engine.address import Address
from flows.engine.draft import Draft, FounderState, Prefs
from storage.crypto import FieldCipher, Seals
from storage.errors import (
    Busy,
    DraftConflict,
    Duplicate,
    ReferenceTaken,
    SealBroken,
    StorageError,
    StorageUnavailable,
    TurnLost,
    TurnTimeout,
    text,
    unavailable,
)
from storage.keys import KeyBuilder
from storage.leases import heartbeat
from storage.packing import pack, unpack
from storage.privacy import PrivacyStore
from storage.replication import run_replicated
from storage.scripts import BEGIN, COMMIT, EXTEND, RELEASE, SETTLE
from storage.submissions import SubmissionStore
from storage.subscribers import OPTOUT, SubscriberStore

log = logging.getLogger(__name__)
SEEN_TTL = timedelta(days=2)
DAY_S = 86_400
MAX_ABANDONED, MAX_ABANDONED_FOUNDERS = 8, 100_000  # bounds on the tokens kept for `abandon`
SEALED_PARTS = ("answers", "defaults")  # the draft's answer maps; scratch stays plain
CACHE_FOR_S = 600.0  # a cached state older than this is read again (a draft may have expired)


@dataclass
class Turn:
    """One update's exclusive hold on a founder's records, and what they held when it began
    (`seals`: their sealed answers as read, so the unchanged ones are written back as they were).
    A cached turn (`token` '') holds nothing: its commit compares the revision it was read at."""

    state: FounderState
    token: str
    revision: str
    update_id: int | None
    seals: Seals = field(default_factory=dict)


class Cached(NamedTuple):
    """A founder's state as this process last committed it, at `revision`, since `at`."""

    state: FounderState
    revision: str
    seals: Seals
    at: float


class FounderStore:
    """Loads and saves `FounderState` with one Redis round trip each way.

    The `sensitive` answer names are sealed with `cipher` in drafts, profile and submissions.
    Submissions and the outbox never expire (retention is an operator's decision).
    """

    def __init__(
        self,
        redis: Redis,
        flows: Sequence[str],
        *,
        cipher: FieldCipher,
        sensitive: Collection[str] = (),
        keys: KeyBuilder | None = None,
        draft_ttl: timedelta = timedelta(days=30),
        profile_ttl: timedelta = timedelta(days=365),
        lease: timedelta = timedelta(seconds=3),
        max_wait: timedelta = timedelta(seconds=10),
        replicas: int = 0,
        replica_wait: timedelta = timedelta(milliseconds=500),
        cache_size: int = 0,
    ) -> None:
        self.redis = redis
        self.flows = tuple(flows)
        self.keys = keys or KeyBuilder()
        self.cipher = cipher
        self.sensitive = frozenset(sensitive)
        self.submissions = SubmissionStore(redis, self.keys, cipher, self.sensitive)
        self.privacy = PrivacyStore(redis, self.keys, cipher)
        self.subscribers = SubscriberStore(redis, self.keys)  # the announcements index
        self.draft_ttl_ms = int(draft_ttl.total_seconds() * 1000)
        self.profile_ttl_ms = int(profile_ttl.total_seconds() * 1000)
        self.lease_ms = int(lease.total_seconds() * 1000)
        self.max_wait = max_wait.total_seconds()
        # commits and settles reported saved only once `replicas` replicas hold them
        self.replicas, self.replica_wait_ms = replicas, int(replica_wait.total_seconds() * 1000)
        self._begin = redis.register_script(BEGIN)
        self._commit = redis.register_script(COMMIT)
        self._release = redis.register_script(RELEASE)
        self._settle = redis.register_script(SETTLE)
        self._extend = redis.register_script(EXTEND)
        self._abandoned: dict[Address, list[str]] = {}  # see `abandon`
        self.cache_size = cache_size  # founders whose state is kept in this process (`cached`)
        self._cache: OrderedDict[Address, Cached] = OrderedDict()

    def _key(self, founder: Address, *parts: str) -> str:
        return self.keys.founder(founder, *parts)

    def _control(self, founder: Address) -> list[str]:
        return [self._key(founder, name) for name in ("queue", "leases", "seen")]

    def _records(self, founder: Address) -> list[str]:
        # roles and the broadcaster's opt-out marker: read with the turn, never written by it
        names = ("rev", "prefs", "profile", "applications", "roles", OPTOUT)
        return [self._key(founder, name) for name in names] + [
            self._key(founder, "draft", flow) for flow in self.flows
        ]

    def heartbeat(self, founder: Address, token: str) -> AbstractAsyncContextManager[None]:
        """Keep the lease of the turn `token` (waiting or held) alive while inside, three beats a
        lease, so a long turn is never evicted and a dead one holds the line one lease at most."""
        keys = self._control(founder)[:2]

        async def beat() -> None:
            await self._extend(keys=keys, args=[token, self.lease_ms])

        return heartbeat(beat, self.lease_ms / 3000, f"founder {founder}'s turn")

    @staticmethod
    def new_token() -> str:
        """A fresh turn token, for a caller that starts the heartbeat before `begin`."""
        return uuid.uuid4().hex

    async def begin(
        self, founder: Address, update_id: int | None = None, *, token: str | None = None
    ) -> Turn | None:
        """Wait for this founder's turn and read their state; None when the update was handled before.

        Pass the token of a turn whose commit conflicted to read again without losing its place.
        """
        token = token or self.new_token()
        keys = self._control(founder) + self._records(founder)
        deadline = time.monotonic() + self.max_wait
        pause, seen = 0.002, "" if update_id is None else update_id
        while True:
            now_ms = int(time.time() * 1000)
            gone = self._abandoned.pop(founder, [])
            args: list[str | int] = [token, now_ms, self.lease_ms, seen, *gone]
            try:
                with unavailable():
                    answer = await self._begin(keys=keys, args=args)
            except StorageUnavailable:
                self.abandon(founder, token, *gone)
                raise
            status = text(answer[0])
            if status == "dup":
                return None
            if status == "ok":
                try:
                    return self._turn(founder, token, update_id, answer[1])
                except SealBroken:
                    await self.release(founder, token)
                    raise
            if time.monotonic() > deadline:
                await self.release(founder, token)
                raise TurnTimeout(f"founder {founder}: earlier updates still running")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.02)

    def _turn(
        self, founder: Address, token: str, update_id: int | None, raw: list[bytes | None]
    ) -> Turn:
        rev, prefs, profile, applications, roles, optout, *drafts = raw
        state, seals = FounderState(founder=founder), cast(Seals, {})
        if prefs:
            state.prefs = Prefs.from_json(_loads(prefs))
        if optout and state.prefs.subscribed and _moment(optout) >= state.prefs.since:
            state.prefs.subscribed = False  # they blocked the bot after opting in: as it is
        if profile:
            state.profile = self.cipher.unseal_answers(_loads(profile), seals)
        if applications:
            index = _loads(applications)
            state.applications = index if isinstance(index, list) else []
        if roles:
            held = _loads(roles)
            state.roles = held if isinstance(held, dict) else {}
        for flow, blob in zip(self.flows, drafts, strict=True):
            if blob:
                data = _loads(blob)
                if data:
                    parts = self._draft_parts(data, seals, seal=False)
                    state.drafts[flow] = Draft.from_json(parts)
        revision = rev.decode() if rev else "0"
        return Turn(state, token, revision, update_id, seals)

    async def commit(self, turn: Turn, said: str | None = None) -> str:
        """Write what the turn changed and its new submissions, and end it; the new revision.

        Writes nothing and keeps the turn on DraftConflict (someone else wrote) and on
        ReferenceTaken (a new submission's reference exists), and writes nothing on TurnLost (the
        turn was taken away): begin again with the same token. On StorageUnavailable the outcome
        is unknown: `settle` it. A cached turn (`cached`) writes nothing either on Duplicate (its
        update was handled before) and on Busy (another turn is waiting or running): begin one.
        `said` (what the turn answers, for `said`) is kept beside the records for SEEN_TTL.
        """
        state = turn.state
        sub_keys, sub_args = self.submissions.commit_items(state.new_submissions)
        changed = sorted(state.changed - {"roles"})  # admins' grants: never the turn's to write
        keys = [*self._control(state.founder), self._key(state.founder, "rev")]
        args: list[Any] = [
            turn.token,
            turn.revision,
            "" if turn.update_id is None else turn.update_id,
            int(SEEN_TTL.total_seconds() * 1000),
            self.profile_ttl_ms,
            len(changed) + (said is not None),
        ]
        for record in changed:
            value, ttl = self._encode(state, record, turn.seals)
            keys.append(self._key(state.founder, *record.split(":")))
            args += [value, ttl]
        if said is not None:
            keys.append(self._key(state.founder, "said"))
            args += [said, int(SEEN_TTL.total_seconds() * 1000)]
        with unavailable():
            answer = await self._replicated(self._commit, keys + sub_keys, args + sub_args)
        status, detail = (text(part) for part in answer)
        if status != "ok":
            raise _refusal(status, detail, state.founder)
        state.changed.clear()
        state.new_submissions.clear()
        self._remember(turn, detail)
        return detail

    def cached(self, founder: Address, update_id: int) -> Turn | None:
        """The founder's state as this process last committed it, as a turn that holds nothing
        (token ''), to be committed in one round trip: the warm path. None when it is not kept,
        is older than CACHE_FOR_S, or the cache is off. Taken out: a turn that fails leaves
        nothing behind, and the next one reads Redis."""
        kept = self._cache.pop(founder, None)
        if kept is None or time.monotonic() - kept.at > CACHE_FOR_S:
            return None
        state = kept.state
        state.request, state.announcement = "", None
        return Turn(state, "", kept.revision, update_id, kept.seals)

    def _remember(self, turn: Turn, revision: str) -> None:
        """Keep the state just committed (the newest least recently used: the oldest goes)."""
        if self.cache_size <= 0:
            return
        founder = turn.state.founder
        self._cache.pop(founder, None)
        self._cache[founder] = Cached(turn.state, revision, turn.seals, time.monotonic())
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def forget(self, founder: Address) -> None:
        """Drop what this process keeps of the founder (their data was erased)."""
        self._cache.pop(founder, None)

    def _encode(self, state: FounderState, record: str, seals: Seals) -> tuple[str | bytes, int]:
        if record == "prefs":
            return _dumps(state.prefs.to_json()), self.profile_ttl_ms
        if record == "profile":
            profile = self.cipher.seal_answers(state.profile, self.sensitive, seals)
            return _dumps(profile), self.profile_ttl_ms
        if record == "applications":
            return _dumps(state.applications), self.profile_ttl_ms
        flow = record.split(":", 1)[1]
        draft = state.drafts.get(flow)
        if draft is None:
            return "", 0
        return pack(self._draft_parts(draft.to_json(), seals, seal=True)), self._draft_ttl(draft)

    def _draft_ttl(self, draft: Draft) -> int:
        """How long a draft is kept (ms): `draft_ttl` from now, and for a draft waiting for a
        reminder, `draft_ttl` from that day, so the answers are there when it comes."""
        try:
            day = date.fromisoformat(draft.remind_on) if draft.remind_on else None
        except ValueError:
            day = None
        if day is None:
            return self.draft_ttl_ms
        until = datetime.combine(day, datetime.min.time(), UTC).timestamp() + DAY_S
        return max(self.draft_ttl_ms, int((until - time.time()) * 1000) + self.draft_ttl_ms)

    def _draft_parts(self, data: dict[str, Any], seals: Seals, *, seal: bool) -> dict[str, Any]:
        for part in SEALED_PARTS:
            if isinstance(data.get(part), dict):
                data[part] = (
                    self.cipher.seal_answers(data[part], self.sensitive, seals)
                    if seal
                    else self.cipher.unseal_answers(data[part], seals)
                )
        return data

    def abandon(self, founder: Address, *tokens: str) -> None:
        """Give up on turns whose begin or commit got no reply; the founder's next `begin` ends
        them in Redis, so one that reached Redis after all does not hold the line."""
        kept = self._abandoned.setdefault(founder, [])
        kept += [t for t in tokens if t not in kept]
        del kept[:-MAX_ABANDONED]
        if len(self._abandoned) > MAX_ABANDONED_FOUNDERS:
            self._abandoned.pop(next(iter(self._abandoned)))

    async def release(self, founder: Address, token: str) -> None:
        """End a turn without writing (the update failed before it could commit)."""
        try:
            await self._release(keys=self._control(founder)[:2], args=[token])
        except RedisError:
            log.warning("could not release turn of founder %s; its lease will run out", founder)

    async def settle(self, turn: Turn) -> bool:
        """Whether a commit whose reply was lost landed; if it did not, its turn is ended so that
        it cannot land later (the commit checks it holds the turn; a cached turn held none, and
        its update id says whether it landed). StorageUnavailable when Redis
        cannot be asked either, or (with `replicas`) its replicas do not hold the answer yet."""
        founder = turn.state.founder
        keys = [*self._control(founder), self._key(founder, "rev")]
        seen = "" if turn.update_id is None else turn.update_id
        with unavailable():
            landed = await self._replicated(self._settle, keys, [turn.token, seen, turn.revision])
        return bool(landed)

    async def _replicated(self, script: AsyncScript, keys: list[str], args: list[Any]) -> Any:
        return await run_replicated(
            self.redis, script, keys, args, replicas=self.replicas, timeout_ms=self.replica_wait_ms
        )

    async def again(self, founder: Address) -> tuple[FounderState, dict[str, Any]]:
        """The founder's state and what their last turn that asked for it answered (`commit`'s
        `said`; {} if none is kept), in one round trip: for an update that came again, whose
        first replies may be lost."""
        keys = [*self._records(founder), self._key(founder, "said")]
        with unavailable():
            *records, said = cast(list[bytes | None], await self.redis.mget(keys))
        found = _loads(said) if said else {}
        return self._turn(founder, "", None, records).state, found if isinstance(
            found, dict
        ) else {}

    async def prefs(self, founder: Address) -> Prefs:
        """A founder's preferences alone (their chosen language), outside any turn."""
        with unavailable():
            raw = cast(bytes | None, await self.redis.get(self._key(founder, "prefs")))
        return Prefs.from_json(_loads(raw)) if raw else Prefs()

    async def peek(self, founder: Address) -> FounderState:
        """Read a founder's state outside any turn (for tools and tests)."""
        with unavailable():
            raw = cast(list[bytes | None], await self.redis.mget(self._records(founder)))
        return self._turn(founder, "", None, raw).state


def _refusal(status: str, detail: str, founder: Address) -> StorageError:
    """What the commit script's refusal means (nothing was written)."""
    if status == "taken":
        return ReferenceTaken(detail)
    kind = {"conflict": DraftConflict, "busy": Busy, "dup": Duplicate}.get(status, TurnLost)
    return kind(f"founder {founder}: {status} at revision {detail}")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _moment(blob: bytes) -> float:
    """The opt-out marker's moment (epoch seconds); 0 when unreadable."""
    try:
        return float(blob)
    except ValueError:
        return 0.0


def _loads(blob: bytes) -> Any:
    """A record's JSON, packed (`storage.packing`) or not; {} for one that cannot be read."""
    try:
        return json.loads(unpack(blob))
    except ValueError:  # UnicodeDecodeError among them
        log.error("dropping a record that is not valid JSON")
        return {}
