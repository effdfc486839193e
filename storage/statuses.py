"""What happens to a submission after it is sent: its status changes, each with who, when and a
note, kept beside the immutable record; the founder's My applications line follows, and holds
the office's question while the application waits for more information."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from redis.asyncio import Redis

from flows.engine.address import Address
from storage.errors import unavailable
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

# KEYS: events, the founder's applications index, the founder's revision
# ARGV: reference, status, the change as JSON, the office's question ('' but for more_info),
#       the time of the change (seconds); the index line keeps the last HISTORY changes
# One round trip: the event is kept, the index line follows, and the revision is bumped so a
# founder turn that read the old line commits nothing (compare-and-set) and reads again.
RECORD = """
redis.call('RPUSH', KEYS[1], ARGV[3])
local raw = redis.call('GET', KEYS[2])
if not raw then return 0 end
local index, found = cjson.decode(raw), false
for _, entry in ipairs(index) do
  if entry['reference'] == ARGV[1] then
    entry['status'] = ARGV[2]
    entry['question'] = nil
    local history = entry['history'] or {}
    history[#history + 1] = {status = ARGV[2], at = tonumber(ARGV[5])}
    while #history > 10 do table.remove(history, 1) end
    entry['history'] = history
    if ARGV[4] ~= '' then entry['question'] = ARGV[4] end
    found = true
  end
end
if not found then return 0 end
local ttl = redis.call('PTTL', KEYS[2])
if ttl > 0 then
  redis.call('SET', KEYS[2], cjson.encode(index), 'PX', ttl)
else
  redis.call('SET', KEYS[2], cjson.encode(index))
end
redis.call('INCR', KEYS[3])
return 1
"""


@dataclass(frozen=True)
class StatusChange:
    """One change of a submission's status: by whom ('agency:<id>', 'staff:<user id>',
    'worker'), when, and the note the founder is shown (may be empty)."""

    reference: str
    founder: Address
    status: str
    note: str
    actor: str
    at: float


class StatusStore:
    """Records status changes; the founder's revision is bumped with each, so a founder turn
    that read the old My applications line retries instead of writing it back."""

    def __init__(self, redis: Redis, keys: KeyBuilder) -> None:
        self.redis = redis
        self.keys = keys
        self._script = redis.register_script(RECORD)

    def _events(self, reference: str) -> str:
        return self.keys.submission(reference) + ":events"

    async def record(
        self,
        reference: str,
        status: str,
        note: str,
        actor: str,
        *,
        founder: Address | None = None,
    ) -> StatusChange | None:
        """Record a change; None when no submission has this reference. A caller that knows
        the submission's founder passes `founder`, saving a read."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        with unavailable():
            return await self._record(reference, status, note, actor, founder)

    async def _record(
        self, reference: str, status: str, note: str, actor: str, founder: Address | None
    ) -> StatusChange | None:
        if founder is None:
            blob = await self.redis.get(self.keys.submission(reference))
            if blob is None:
                return None
            founder = _founder(json.loads(blob))
        change = StatusChange(reference, founder, status, note, actor, time.time())
        keys = [
            self._events(reference),
            self.keys.founder(founder, "applications"),
            self.keys.founder(founder, "rev"),
        ]
        question = note[:QUESTION_LIMIT] if status == "more_info" else ""
        event = json.dumps(asdict(change) | {"founder": str(founder)}, ensure_ascii=False)
        await self._script(keys=keys, args=[reference, status, event, question, repr(change.at)])
        return change

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
    known = {k: data[k] for k in StatusChange.__dataclass_fields__ if k in data}
    return known | {"founder": _founder(data)}


def _founder(data: dict[str, Any]) -> Address:
    """Who a record belongs to; records written before channels hold a Telegram `user_id`."""
    return Address.parse(str(data.get("founder", data.get("user_id"))))
