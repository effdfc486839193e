"""What happens to a submission after it is sent: its status changes, each with who, when and a
note, kept beside the immutable record; the founder's My applications line follows, and holds
the office's question while the application waits for more information."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import WatchError

from storage.errors import StorageUnavailable, unavailable
from storage.keys import KeyBuilder

STATUSES = (
    "submitted",
    "delivered",
    "accepted",
    "more_info",
    "supplied",
    "rejected",
    "resolved",
)
QUESTION_LIMIT = 1000  # characters of an office's question kept on the founder's index line


@dataclass(frozen=True)
class StatusChange:
    """One change of a submission's status: by whom ('agency:<id>', 'staff:<user id>',
    'worker'), when, and the note the founder is shown (may be empty)."""

    reference: str
    user_id: int
    status: str
    note: str
    actor: str
    at: float


class StatusStore:
    """Records status changes; the founder's revision is bumped with each, so a founder turn
    that read the old My applications line retries instead of writing it back."""

    def __init__(self, redis: Redis, keys: KeyBuilder, *, attempts: int = 10) -> None:
        self.redis = redis
        self.keys = keys
        self.attempts = attempts

    def _events(self, reference: str) -> str:
        return self.keys.submission(reference) + ":events"

    async def record(
        self, reference: str, status: str, note: str, actor: str, *, user_id: int | None = None
    ) -> StatusChange | None:
        """Record a change; None when no submission has this reference. A caller that knows
        the submission's founder passes `user_id`, saving a read."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        with unavailable():
            return await self._record(reference, status, note, actor, user_id)

    async def _record(
        self, reference: str, status: str, note: str, actor: str, user_id: int | None
    ) -> StatusChange | None:
        if user_id is None:
            blob = await self.redis.get(self.keys.submission(reference))
            if blob is None:
                return None
            user_id = int(json.loads(blob)["user_id"])
        index_key = self.keys.founder(user_id, "applications")
        rev_key = self.keys.founder(user_id, "rev")
        change = StatusChange(reference, user_id, status, note, actor, time.time())
        for _ in range(self.attempts):
            async with self.redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(index_key, rev_key)
                    raw = await pipe.get(index_key)
                    ttl = await pipe.pttl(index_key)
                    index = json.loads(raw) if raw else []
                    for entry in index:
                        if entry.get("reference") == reference:
                            entry["status"] = status
                            entry.pop("question", None)
                            if status == "more_info":
                                entry["question"] = note[:QUESTION_LIMIT]
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.rpush(
                        self._events(reference), json.dumps(asdict(change), ensure_ascii=False)
                    )
                    if raw is not None:
                        value = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
                        pipe.set(index_key, value, px=ttl if ttl > 0 else None)
                        pipe.incr(rev_key)
                    await pipe.execute()
                    return change
                except WatchError:
                    continue
        raise StorageUnavailable(f"status of {reference}: too much contention")

    async def history(self, reference: str) -> list[StatusChange]:
        """Every change recorded for a submission, oldest first."""
        with unavailable():
            raw = await self.redis.lrange(self._events(reference), 0, -1)
        return [StatusChange(**_fields(json.loads(item))) for item in raw]

    async def current(self, reference: str) -> str | None:
        """The latest status, 'submitted' when nothing happened yet, None for an unknown one."""
        history = await self.history(reference)
        if history:
            return history[-1].status
        with unavailable():
            exists = await self.redis.exists(self.keys.submission(reference))
        return "submitted" if exists else None


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in StatusChange.__dataclass_fields__}
